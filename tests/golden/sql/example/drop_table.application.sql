DROP TABLE IF EXISTS "application"
