-- Issue 17: logins are compared case-insensitively after NFKC. `login_key`
-- is the folded login (filled here for ASCII; `hyoka migrate` refolds every
-- row in Rust), unique, so `DEMO-ADMIN` can never be made beside `demo-admin`.
ALTER TABLE users ADD COLUMN login_key TEXT;
UPDATE users SET login_key = lower(login);
CREATE UNIQUE INDEX users_login_folded ON users (login_key);
