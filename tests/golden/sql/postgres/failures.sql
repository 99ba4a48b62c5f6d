SELECT "app_id", "instance_id", "attempts", "finished_at", "error"
FROM "sandbox"."processing_log"
WHERE "status" = 'failed'
ORDER BY "app_id"
LIMIT %s
