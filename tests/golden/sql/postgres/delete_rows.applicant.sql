DELETE FROM "sandbox"."applicant"
WHERE "app_id" = %s
