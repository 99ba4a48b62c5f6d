DELETE FROM "sandbox"."income"
WHERE "app_id" = %s
