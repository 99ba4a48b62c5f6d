DELETE FROM "income"
WHERE "app_id" = ?
