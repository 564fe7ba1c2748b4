-- wrk script for the agent's read path: `GET /devices/{id}/v1/device`,
-- rotating over devices dev-00000 .. dev-(N-1) of a fleet simulator.
--
-- usage: wrk ... -s get_device.lua URL -- TOKEN DEVICES

local token, devices
local i = 0

function init(args)
  token = args[1]
  devices = tonumber(args[2])
end

function request()
  local path = string.format("/devices/dev-%05d/v1/device", i % devices)
  i = i + 1
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
