DROP INDEX users_login_folded;
ALTER TABLE users DROP COLUMN login_key;
