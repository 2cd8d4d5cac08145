-- transactions/complete with 5 in-inventory LucidIDs and a unique order id per request.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local counter, lines = 0, nil
local run = os.getenv("RUN_ID")
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("DTOKEN") }
function init(args) lines = load_pool(os.getenv("POOL_DIR") .. "/complete_pool.txt", tonumber(os.getenv("THREADS"))) end
request = function()
  counter = counter + 1
  local items = lines[pick(counter, #lines)]
  return wrk.format("POST", "/api/v1.2/transactions/complete/", headers,
    '{"performed_at":"2024-06-01T12:00:00Z","order_id":"' .. run .. '-' .. tid .. '-' .. counter .. '","items":[' .. items .. ']}')
end
