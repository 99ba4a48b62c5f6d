DELETE FROM "liability"
WHERE "app_id" = ?
