ANALYZE "processing_log"
