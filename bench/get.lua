-- GET with an optional bearer token: BENCH_TOKEN (env) goes into Authorization.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
wrk.method = "GET"

function setup(thread)
  report_setup(thread)
end
