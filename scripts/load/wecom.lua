-- POST /webhooks/wecom, cycling through pre-built encrypted requests (WECOM_REQUESTS, one
-- "PATH<TAB>BODY" per line). Thread k of n (WRK_THREADS) takes lines k, k+n, k+2n… so no
-- MsgId is sent twice unless the file runs out; load.sh compares the request count with the
-- file's length and says so.
local threads = 0
local lines = {}
local index = 0

function setup(thread)
   thread:set("id", threads)
   threads = threads + 1
end

function init(args)
   local id = tonumber(wrk.thread:get("id")) or 0
   local n = tonumber(os.getenv("WRK_THREADS") or "2")
   local file = assert(io.open(os.getenv("WECOM_REQUESTS"), "r"))
   local i = 0
   for line in file:lines() do
      if i % n == id then
         local tab = line:find("\t", 1, true)
         lines[#lines + 1] = wrk.format("POST", line:sub(1, tab - 1), { ["Content-Type"] = "text/xml" }, line:sub(tab + 1))
      end
      i = i + 1
   end
   file:close()
end

function request()
   index = index + 1
   if index > #lines then index = 1 end
   return lines[index]
end
