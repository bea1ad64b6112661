ALTER TABLE flags DROP COLUMN decision;
ALTER TABLE flags DROP COLUMN review_id;
