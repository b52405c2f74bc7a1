-- POST of one fixed form body: BENCH_BODY (env), e.g. "token=..." or
-- "username=u&password=p" (values already form-encoded).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function setup(thread)
  report_setup(thread)
end
