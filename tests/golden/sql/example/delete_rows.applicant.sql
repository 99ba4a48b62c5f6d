DELETE FROM "applicant"
WHERE "app_id" = ?
