dofile(os.getenv("LUA_DIR") .. "/common.lua")
local counter = 0
local run = os.getenv("RUN_ID")
request = function()
  counter = counter + 1
  return wrk.format("POST", "/insert", { ["Content-Type"] = "application/json" },
    '{"order_id":"' .. run .. '-' .. tid .. '-' .. counter .. '"}')
end
