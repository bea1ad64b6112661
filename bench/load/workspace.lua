-- The web UI's review workspace (GET /ui/submissions/{id}): one sheet with
-- its rates, risk, flags grouped by item with last year's answer, history
-- and all 153 answers. Cycles through the sheet ids listed in $SHEETS (a
-- file, one id a line: the year's sheets in the review queue).
dofile(os.getenv("LOAD_DIR") .. "/common.lua")
local ids = {}
for line in io.lines(os.getenv("SHEETS") or error("set SHEETS")) do
  ids[#ids + 1] = line
end

function request()
  local i = next_index()
  return wrk.format("GET", "/ui/submissions/" .. ids[(i % #ids) + 1])
end
