DROP TABLE backups;
DROP TABLE schema_version;
