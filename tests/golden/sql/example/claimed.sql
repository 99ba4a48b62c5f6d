SELECT "app_id"
FROM "processing_log"
WHERE "batch_id" = ?
ORDER BY "app_id"
