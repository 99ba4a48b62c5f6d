DROP TABLE IF EXISTS "sandbox"."income"
