DELETE FROM "sandbox"."application"
WHERE "app_id" = %s
