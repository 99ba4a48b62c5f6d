SELECT "app_id"
FROM "sandbox"."processing_log"
WHERE "batch_id" = %s
ORDER BY "app_id"
