-- GET of PATH_PREFIX .. n, n cycling through [PAGE_FROM, PAGE_TO] (empty: PATH alone), with the family's auth headers.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local counter = 0
local path, from, to = os.getenv("PATH_PREFIX"), tonumber(os.getenv("PAGE_FROM") or ""), tonumber(os.getenv("PAGE_TO") or "")
local headers = {}
if os.getenv("BEARER") then headers["Authorization"] = "Bearer " .. os.getenv("BEARER") end
if os.getenv("PARTNER_KEY_HDR") then headers["partner_key"] = os.getenv("PARTNER_KEY_HDR"); headers["Authorization"] = os.getenv("DEV_KEY_HDR") end
request = function()
  counter = counter + 1
  if from then return wrk.format("GET", path .. (from + (counter * 7 + tid * 13) % (to - from + 1)), headers) end
  return wrk.format("GET", path, headers)
end
