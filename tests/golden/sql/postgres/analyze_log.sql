ANALYZE "sandbox"."processing_log"
