DELETE FROM group_counts WHERE name LIKE 'asked:%';
