SELECT COUNT(*)
FROM information_schema.tables
WHERE table_schema = COALESCE(%s, current_schema())
  AND table_name = %s
