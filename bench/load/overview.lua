-- The group overview of one fiscal year, pages 1..200 of 50 companies.
dofile(os.getenv("LOAD_DIR") .. "/common.lua")
local year = os.getenv("YEAR") or "2025"

function request()
  local i = next_index()
  local page = (i % 200) + 1
  return wrk.format("GET", "/api/v1/dashboards/overview?fiscal_year=" .. year .. "&page=" .. page)
end
