-- 他社事例 (example answers) of each item, from the user's own copy of the
-- official workbook (hyoka catalog import); evidence that repeats them is flagged.
ALTER TABLE items ADD COLUMN examples_text TEXT;
