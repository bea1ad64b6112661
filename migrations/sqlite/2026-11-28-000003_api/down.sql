DROP TABLE flag_releases;
DROP TABLE collection_companies;
DROP TABLE collections;
DROP TABLE login_attempts;
DROP TABLE api_tokens;
