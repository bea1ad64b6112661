-- How many companies each year's collection asks, kept in group_counts as
-- 'asked:<fiscal year>' by db::collections whenever its members change, so
-- the overview does not count a collection of 10,000 companies on every
-- request to learn whether it leaves anyone out (issue 19). A year without a
-- collection has no row.
INSERT INTO group_counts (name, value)
SELECT 'asked:' || c.fiscal_year::text, (SELECT COUNT(*) FROM collection_companies cc WHERE cc.collection_id = c.id)
FROM collections c;
