DROP TABLE IF EXISTS "processing_log"
