DELETE FROM "application"
WHERE "app_id" = ?
