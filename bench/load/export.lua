-- The auditors' CSV export, one company or one item at a time (the whole
-- group's export is a file of its own: measured once, not under load).
dofile(os.getenv("LOAD_DIR") .. "/common.lua")
local year = os.getenv("YEAR") or "2025"
local companies = tonumber(os.getenv("COMPANIES") or "10000")

function request()
  local i = next_index()
  local q
  if i % 2 == 0 then
    q = "company_id=" .. ((i * 7919) % companies + 1)
  else
    q = "fiscal_year=" .. year .. "&item=" .. ((i % 153) + 1) .. "&page=1&per_page=200"
  end
  return wrk.format("GET", "/api/v1/exports/flags.csv?" .. q)
end
