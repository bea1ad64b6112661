DROP TABLE submission_risk;
DROP TABLE detector_configs;
