#!/usr/bin/env python3
"""What an admin might write instead of Rollwright: Python asyncio + aiohttp,
64 requests in flight, the three calls of a device update per device
(set the configuration, start the deployment, read it back).

usage: aiohttp_rollout.py ROOT TOKEN FIRST COUNT BODY_FILE [CONCURRENCY]

ROOT is the fleet simulator (http://127.0.0.1:PORT); devices FIRST ..
FIRST+COUNT-1 are updated to acme-erp 2.4.0 with the configuration body in
BODY_FILE. Prints one JSON line: {"devices", "failed", "seconds"}. The time
covers the rollout only, not the interpreter's start.
"""
import asyncio
import json
import sys
import time

import aiohttp


async def main():
    root, token, first, count, body_file = sys.argv[1:6]
    first, count = int(first), int(count)
    concurrency = int(sys.argv[6]) if len(sys.argv) > 6 else 64
    with open(body_file, "rb") as f:
        body = f.read()
    auth = {"Authorization": f"Bearer {token}"}
    json_auth = {**auth, "Content-Type": "application/json"}
    gate = asyncio.Semaphore(concurrency)
    failed = 0

    async def update(session, n):
        nonlocal failed
        dev = f"{root}/devices/dev-{n:05d}/v1"
        dep = f"script-{n}"
        async with gate:
            try:
                async with session.put(f"{dev}/products/acme-erp/config",
                                       data=body, headers=json_auth) as r:
                    r.raise_for_status()
                    await r.read()
                async with session.post(f"{dev}/deployments",
                                        json={"id": dep, "product": "acme-erp",
                                              "version": "2.4.0"},
                                        headers=auth) as r:
                    r.raise_for_status()
                    await r.read()
                async with session.get(f"{dev}/deployments/{dep}", headers=auth) as r:
                    r.raise_for_status()
                    if (await r.json()).get("state") != "succeeded":
                        failed += 1
            except aiohttp.ClientError:
                failed += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(update(session, n) for n in range(first, first + count)))
        seconds = time.perf_counter() - started
    print(json.dumps({"devices": count, "failed": failed, "seconds": seconds}))


asyncio.run(main())
