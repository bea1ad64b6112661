DROP INDEX companies_code_folded;
ALTER TABLE companies DROP COLUMN code_key;
DROP INDEX users_login_folded;
ALTER TABLE users DROP COLUMN login_key;
