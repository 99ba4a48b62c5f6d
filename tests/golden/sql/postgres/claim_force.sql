INSERT INTO "sandbox"."processing_log" AS l ("app_id", "status", "instance_id", "session_id", "batch_id", "error", "mapping_hash", "started_at", "finished_at", "duration_ms", "attempts")
VALUES
(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 1)
ON CONFLICT ("app_id") DO UPDATE SET
  "status" = EXCLUDED."status",
  "instance_id" = EXCLUDED."instance_id",
  "session_id" = EXCLUDED."session_id",
  "batch_id" = EXCLUDED."batch_id",
  "error" = EXCLUDED."error",
  "mapping_hash" = EXCLUDED."mapping_hash",
  "started_at" = EXCLUDED."started_at",
  "finished_at" = EXCLUDED."finished_at",
  "duration_ms" = EXCLUDED."duration_ms",
  "attempts" = l."attempts" + 1
