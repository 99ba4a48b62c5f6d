DROP TABLE IF EXISTS "sandbox"."employment"
