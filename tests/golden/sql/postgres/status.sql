SELECT "instance_id", "status", COUNT(*), MIN("started_at"), MAX("finished_at"),
  SUM("duration_ms")
FROM "sandbox"."processing_log"
GROUP BY "instance_id", "status"
ORDER BY "instance_id", "status"
