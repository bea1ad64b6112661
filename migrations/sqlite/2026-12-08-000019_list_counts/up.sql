-- Kept counts of the long lists (the flag list, the flagged-items export,
-- the explorer's counts by rule), so a page does not count a year's flags
-- again while nothing in that year changed (issue 19).
--
-- A year's generation goes up with every summary refresh of a company-year
-- of that year (db::summaries::refresh_in_tx), which every write that adds a
-- flag, decides one, or moves a sheet ends with. A kept count is used only
-- while its generation is the year's current one; an older one is recounted
-- and replaced.
CREATE TABLE list_generations (
    fiscal_year INTEGER PRIMARY KEY NOT NULL,
    generation  BIGINT NOT NULL
);

CREATE TABLE list_counts (
    fiscal_year INTEGER NOT NULL,
    -- Which list and which filter, as db::counts writes it.
    filter      TEXT NOT NULL,
    generation  BIGINT NOT NULL,
    n           BIGINT NOT NULL,
    capped      BOOLEAN NOT NULL,
    -- Counts by rule: "rule<TAB>count" lines, most first.
    detail      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (fiscal_year, filter)
);
