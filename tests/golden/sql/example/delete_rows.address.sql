DELETE FROM "address"
WHERE "app_id" = ?
