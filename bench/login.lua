-- Sign-in attempts with the right password, as fast as the server takes them: every one
-- costs a full argon2id hash. Arguments: email password csrf-token form-cookie.
local email, password, token, cookie

function init(args)
  email, password, token, cookie = args[1], args[2], args[3], args[4]
end

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  local body = "akun=" .. encode(email) .. "&sandi=" .. encode(password) .. "&kembali=%2Fakun&csrf=" .. encode(token)
  return wrk.format("POST", "/akun/masuk", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "sp_form=" .. cookie,
  }, body)
end
