#!/usr/bin/env bash
# What an admin might write instead of Rollwright: `xargs -P 64` running curl,
# the three calls of a device update per device (set the configuration, start
# the deployment, read it back).
#
# usage: xargs_curl.sh ROOT TOKEN FIRST COUNT BODY_FILE [PARALLEL]
#
# ROOT is the fleet simulator (http://127.0.0.1:PORT); devices FIRST ..
# FIRST+COUNT-1 are updated to acme-erp 2.4.0 with the configuration body in
# BODY_FILE. Prints one JSON line: {"devices", "failed", "seconds"}.
set -euo pipefail

root=$1 token=$2 first=$3 count=$4 body=$5 parallel=${6:-64}
export root token body

update() {
  local n=$1 dev id
  dev=$(printf '%s/devices/dev-%05d/v1' "$root" "$n")
  id="script-$n"
  if curl -sf -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
       --data-binary @"$body" "$dev/products/acme-erp/config" >/dev/null &&
     curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
       -d "{\"id\":\"$id\",\"product\":\"acme-erp\",\"version\":\"2.4.0\"}" \
       "$dev/deployments" >/dev/null &&
     curl -sf -H "Authorization: Bearer $token" "$dev/deployments/$id" |
       grep -q '"state":"succeeded"'; then
    :
  else
    echo "failed $n"
  fi
}
export -f update

failures=$(mktemp)
trap 'rm -f "$failures"' EXIT
started=$(date +%s.%N)
seq "$first" $((first + count - 1)) | xargs -P "$parallel" -I{} bash -c 'update {}' >"$failures"
ended=$(date +%s.%N)
failed=$(wc -l <"$failures")
printf '{"devices": %d, "failed": %d, "seconds": %s}\n' \
  "$count" "$failed" "$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.3f", b - a }')"
