DROP TABLE analysis_flags;
DROP TABLE analysis_runs;
