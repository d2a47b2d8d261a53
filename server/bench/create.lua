-- wrk script: POST unique customers (the duplicate check would answer 409 to repeats).
local counter = 0
local thread_tag = tostring(math.random(1, 1e9))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("CRM_BENCH_TOKEN")
request = function()
  counter = counter + 1
  local body = string.format('{"name":"压测客户 %s-%d","phone":"139%08d","level":"C"}', thread_tag, counter, counter)
  return wrk.format(nil, "/api/v1/customers", nil, body)
end
