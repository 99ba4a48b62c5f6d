DROP TABLE IF EXISTS "sandbox"."applicant"
