DELETE FROM "sandbox"."liability"
WHERE "app_id" = %s
