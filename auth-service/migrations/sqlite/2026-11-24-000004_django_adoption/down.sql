-- Never drop a table Django may own, nor forget migrations Django relies on.
SELECT 1;
