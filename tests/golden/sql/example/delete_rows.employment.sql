DELETE FROM "employment"
WHERE "app_id" = ?
