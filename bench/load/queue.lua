-- The web UI's review queue (GET /ui/queue): the year's submitted and
-- in-review sheets in priority order, 200 lines, rendered as HTML.
dofile(os.getenv("LOAD_DIR") .. "/common.lua")
local year = os.getenv("YEAR") or "2025"

function request()
  next_index()
  return wrk.format("GET", "/ui/queue?fiscal_year=" .. year)
end
