-- caseids/import of a 100-item case part; each pass over the pool moves every part to a new package UID.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local counter, lines = 0, nil
local run = os.getenv("RUN_ID")
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("DTOKEN") }
function init(args) lines = load_pool(os.getenv("POOL_DIR") .. "/import_pool.txt", tonumber(os.getenv("THREADS"))) end
request = function()
  counter = counter + 1
  local line = lines[pick(counter, #lines)]
  local round = math.floor((counter - 1) / #lines)
  local case_uuid, pp = line:match("(%S+) (%S+)")
  return wrk.format("POST", "/api/v1.2/caseids/import/", headers,
    '{"case_uuid":"' .. case_uuid .. '","packaged_product_uuid":"' .. pp .. '","pos_product_id":"bench","pos_inventory_id":"inv","package_uid":"' ..
    run .. '-' .. tid .. '-' .. round .. '"}')
end
