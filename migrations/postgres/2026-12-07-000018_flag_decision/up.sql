-- The decision in force on each flag, kept on the flag row (issue 19): the
-- flag list, the exports and the dashboards filter and show it without a
-- correlated subquery per flag. Written in the same transaction as the
-- review that makes it (db::flags::insert_review, the only writer of
-- reviews; none is ever deleted), so the latest review is the one with
-- the highest id. `hyoka admin check-summaries` compares both columns
-- with a fresh reading of reviews.
-- Keep in step with ../../sqlite/2026-12-07-000018_flag_decision.
ALTER TABLE flags ADD COLUMN review_id BIGINT REFERENCES reviews (id);
ALTER TABLE flags ADD COLUMN decision TEXT CHECK (decision IN ('confirmed', 'dismissed'));
UPDATE flags SET review_id = (SELECT MAX(rv.id) FROM reviews rv WHERE rv.flag_id = flags.id);
UPDATE flags SET decision = (SELECT rv.decision FROM reviews rv WHERE rv.id = flags.review_id)
 WHERE review_id IS NOT NULL;
