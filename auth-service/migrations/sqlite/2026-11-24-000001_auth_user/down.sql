-- Never drop a table Django may own: rolling back our migration leaves data alone.
SELECT 1;
