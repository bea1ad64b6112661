-- Issue 17: logins are compared case-insensitively after NFKC. `login_key`
-- is the folded login (filled here for ASCII; `hyoka migrate` refolds every
-- row in Rust), unique, so `DEMO-ADMIN` can never be made beside `demo-admin`.
ALTER TABLE users ADD COLUMN login_key TEXT;
UPDATE users SET login_key = lower(login);
CREATE UNIQUE INDEX users_login_folded ON users (login_key);

-- Company codes are compared after NFKC and case folding too (`ＤＥＭＯ－００１`
-- is `DEMO-001`): `code_key`, unique, refolded in Rust by `hyoka migrate`.
ALTER TABLE companies ADD COLUMN code_key TEXT;
UPDATE companies SET code_key = lower(code);
CREATE UNIQUE INDEX companies_code_folded ON companies (code_key);
