-- POST /v1/ask, rotating a few questions; every request has its own user so that the
-- per-user rate limit measures nothing and each question is answered in full.
local questions = {
   "新认定的高企能拿多少钱",
   "规上企业新认定高企能拿多少钱",
   "科技贷款贴息怎么算？找哪个单位？",
   "规上企业5项发明专利，2项产业化，能拿多少？",
   "自治区重点实验室获批，市里补了300万，区里配多少？",
   "明天天气怎么样",
}
local threads = 0
local counter = 0
local id = 0

function setup(thread)
   thread:set("id", threads)
   threads = threads + 1
end

function init(args)
   id = tonumber(wrk.thread:get("id")) or 0
end

function request()
   counter = counter + 1
   local q = questions[(counter % #questions) + 1]
   local body = string.format('{"text":"%s","user":"load-%d-%d"}', q, id, counter)
   return wrk.format("POST", "/v1/ask", { ["Content-Type"] = "application/json" }, body)
end
