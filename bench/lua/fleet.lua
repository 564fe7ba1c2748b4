-- wrk script against a fleet simulator, rotating over devices
-- dev-00000 .. dev-(N-1). Two modes:
--
-- update: the three calls of a device update (set the configuration, start
--   the deployment, read it back). The bench has already run one real update
--   of each device with deployment id "ceiling-<n>", so every call here
--   answers 200: the configuration is set again (idempotent), the deployment
--   start repeats its id (returns the existing one) and the read finds it.
-- get-device: `GET /devices/{id}/v1/device`, the agent's cheapest call.
--
-- usage: wrk ... -s fleet.lua URL -- MODE TOKEN DEVICES [BODY_FILE]
-- (BODY_FILE, the configuration body, only for `update`)

local mode, token, devices, body
local i = 0

function init(args)
  mode = args[1]
  token = args[2]
  devices = tonumber(args[3])
  if mode == "update" then
    local f = assert(io.open(args[4], "rb"))
    body = f:read("*a")
    f:close()
  elseif mode ~= "get-device" then
    error("unknown mode " .. tostring(mode))
  end
end

local function update_call()
  local n = math.floor(i / 3) % devices
  local call = i % 3
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

local function get_device_call()
  local path = string.format("/devices/dev-%05d/v1/device", i % devices)
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

function request()
  local req
  if mode == "update" then
    req = update_call()
  else
    req = get_device_call()
  end
  i = i + 1
  return req
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
