-- The web UI's group overview (GET /ui/overview): the year's figures and a
-- heat map of 50 companies, pages 1..200, rendered as HTML.
dofile(os.getenv("LOAD_DIR") .. "/common.lua")
local year = os.getenv("YEAR") or "2025"

function request()
  local i = next_index()
  local page = (i % 200) + 1
  return wrk.format("GET", "/ui/overview?fiscal_year=" .. year .. "&page=" .. page)
end
