dofile(os.getenv("LUA_DIR") .. "/common.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"performed_at":"2024-06-01T12:00:00Z","order_id":"o-1","items":["CXc85b4rqinB7s5J52TRYb","MLpZDiEXM4VsUryR9oE8uc","UNDTMBovdue9tFWfhamnDM","2222222222222222222222","oZEq7ovRbLq6UnGMPwc8B5"]}'
