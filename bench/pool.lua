-- POST a different token per request, for single-use refresh tokens (rotation with
-- blacklist). Arguments after `--`: FILE FIELD THREADS (THREADS = wrk's -t). FILE holds
-- one token per line; wrk thread i of n takes lines i, i+n, i+2n, ... so no token is sent
-- twice. A thread that runs out stops and flags "exhausted" (reported by report.lua):
-- size the pool.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local thread_count = 0

-- wrk calls setup(thread i) and then that thread's init() before setting up thread i+1,
-- so the thread count comes in as an argument.
function setup(thread)
  thread:set("index", thread_count)
  thread_count = thread_count + 1
  report_setup(thread)
end

local tokens = {}
local position = 0
local stride = 1
local field = "refresh"
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function init(args)
  local file = args[1]
  field = args[2] or field
  local index = tonumber(wrk.thread:get("index")) or 0
  stride = tonumber(args[3]) or 1
  local line_no = 0
  for line in io.lines(file) do
    if line_no % stride == index then
      tokens[#tokens + 1] = line
    end
    line_no = line_no + 1
  end
end

function request()
  position = position + 1
  local token = tokens[position]
  if token == nil then
    wrk.thread:set("exhausted", true)
    wrk.thread:stop()
    token = tokens[#tokens]
  end
  return wrk.format("POST", nil, headers, field .. "=" .. token)
end
