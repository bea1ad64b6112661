DROP TABLE mail_sweeps;
DROP TABLE mail_outbox;
ALTER TABLE users DROP COLUMN language;
ALTER TABLE users DROP COLUMN email;
