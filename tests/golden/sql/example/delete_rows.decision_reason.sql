DELETE FROM "decision_reason"
WHERE "app_id" = ?
