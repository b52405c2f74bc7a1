-- Never drop a table Django may own, nor tokens in use.
SELECT 1;
