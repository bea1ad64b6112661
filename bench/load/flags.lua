-- The flag list with varied filters and pages.
dofile(os.getenv("LOAD_DIR") .. "/common.lua")
local year = os.getenv("YEAR") or "2025"
local companies = tonumber(os.getenv("COMPANIES") or "10000")
local severities = { "info", "low", "medium", "high" }
local decisions = { "undecided", "confirmed", "dismissed" }

function request()
  local i = next_index()
  local kind = i % 5
  local q
  if kind == 0 then
    q = "fiscal_year=" .. year .. "&page=" .. ((i % 50) + 1)
  elseif kind == 1 then
    q = "fiscal_year=" .. year .. "&severity=" .. severities[(i % 4) + 1] .. "&page=" .. ((i % 10) + 1)
  elseif kind == 2 then
    q = "company_id=" .. ((i * 7919) % companies + 1)
  elseif kind == 3 then
    q = "fiscal_year=" .. year .. "&item=" .. ((i % 153) + 1) .. "&per_page=20"
  else
    q = "fiscal_year=" .. year .. "&decision=" .. decisions[(i % 3) + 1] .. "&page=" .. ((i % 5) + 1)
  end
  return wrk.format("GET", "/api/v1/flags?" .. q)
end
