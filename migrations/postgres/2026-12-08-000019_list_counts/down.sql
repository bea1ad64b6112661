DROP TABLE list_counts;
DROP TABLE list_generations;
