-- wrk script: POST unique customers (the duplicate check would answer 409 to repeats).
-- CRM_BENCH_TAG (one digit) keeps the names and phones of wrk processes run side by side apart.
local counter = 0
local tag = os.getenv("CRM_BENCH_TAG") or "9"
local thread_tag = tag .. tostring(math.random(1, 1e9))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("CRM_BENCH_TOKEN")
request = function()
  counter = counter + 1
  local body = string.format('{"name":"压测客户 %s-%d","phone":"13%s%08d","level":"C"}', thread_tag, counter, tag, counter)
  return wrk.format(nil, "/api/v1/customers", nil, body)
end
