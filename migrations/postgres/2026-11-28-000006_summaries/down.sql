DROP TABLE group_counts;
DROP INDEX submissions_year_id;
DROP INDEX flags_item;
DROP INDEX flags_severity;
DROP INDEX flags_rule;
DROP TABLE year_totals;
DROP TABLE company_year_summaries;
