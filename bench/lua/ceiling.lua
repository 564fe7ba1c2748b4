-- wrk script for the ceiling: the three calls of a device update (set the
-- configuration, start the deployment, read it back), rotating over devices
-- dev-00000 .. dev-(N-1). The bench has already run one real update of each
-- device with deployment id "ceiling-<n>", so every call here answers 200:
-- the configuration is set again (idempotent), the deployment start repeats
-- its id (returns the existing one) and the read finds it.
--
-- usage: wrk ... -s ceiling.lua URL -- TOKEN DEVICES BODY_FILE

local token, devices, body
local i = 0

function init(args)
  token = args[1]
  devices = tonumber(args[2])
  local f = assert(io.open(args[3], "rb"))
  body = f:read("*a")
  f:close()
end

function request()
  local n = math.floor(i / 3) % devices
  local call = i % 3
  i = i + 1
  local dev = string.format("/devices/dev-%05d/v1", n)
  local id = "ceiling-" .. n
  local headers = { ["Authorization"] = "Bearer " .. token }
  if call == 0 then
    headers["Content-Type"] = "application/json"
    return wrk.format("PUT", dev .. "/products/acme-erp/config", headers, body)
  elseif call == 1 then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", dev .. "/deployments", headers,
      '{"id":"' .. id .. '","product":"acme-erp","version":"2.4.0"}')
  else
    return wrk.format("GET", dev .. "/deployments/" .. id, headers)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
