ALTER TABLE items DROP COLUMN examples_text;
