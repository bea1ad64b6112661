DROP INDEX flags_decision;
DROP INDEX flags_rule;
DROP INDEX flags_severity;
CREATE INDEX flags_severity ON flags (severity);
CREATE INDEX flags_rule ON flags (rule);
