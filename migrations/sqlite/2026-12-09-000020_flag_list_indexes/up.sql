-- The flag list filters by severity, rule or decision and walks a year's
-- sheets newest first (submission id order). With the filter's column alone
-- in the index the planner read every flag of that severity and sorted
-- them (80 ms for "high" at 10,000 companies); with the submission id
-- beside it, each sheet of the year is one index probe (about 1 ms), and a
-- rare decision (confirmed, dismissed) no longer walks the year's flags.
DROP INDEX flags_severity;
DROP INDEX flags_rule;
CREATE INDEX flags_severity ON flags (severity, submission_id);
CREATE INDEX flags_rule ON flags (rule, submission_id);
CREATE INDEX flags_decision ON flags (decision, submission_id);
-- Statistics of the new indexes, in full (db::conn::optimize explains why
-- a sample misleads the planner here); about 0.1 s per 150,000 flags.
PRAGMA analysis_limit = 0;
ANALYZE flags;
ANALYZE submissions;
