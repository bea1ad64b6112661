-- METI SCS readiness (issue 20): one company's readiness on the estimated
-- basis (JSON with its per-criterion rows), the same as the auditors' CSV,
-- and the group view of the year, in the proportions 4 : 2 : 1.
dofile(os.getenv("LOAD_DIR") .. "/common.lua")
local year = os.getenv("YEAR") or "2025"
local companies = tonumber(os.getenv("COMPANIES") or "10000")

function request()
  local i = next_index()
  local company = (i * 7919) % companies + 1
  local k = i % 7
  if k < 4 then
    return wrk.format("GET", "/api/v1/scs/readiness?fiscal_year=" .. year .. "&company_id=" .. company .. "&basis=estimated")
  elseif k < 6 then
    return wrk.format("GET", "/api/v1/scs/readiness.csv?fiscal_year=" .. year .. "&company_id=" .. company .. "&basis=estimated")
  else
    return wrk.format("GET", "/api/v1/scs/group?fiscal_year=" .. year)
  end
end
