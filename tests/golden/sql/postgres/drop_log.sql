DROP TABLE IF EXISTS "sandbox"."processing_log"
