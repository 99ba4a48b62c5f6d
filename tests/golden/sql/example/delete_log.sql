DELETE FROM "processing_log"
WHERE "app_id" = ?
