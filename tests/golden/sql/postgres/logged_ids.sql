SELECT l."app_id"
FROM "sandbox"."processing_log" AS l
WHERE ((l."app_id" %% %s) + %s) %% %s = %s
ORDER BY l."app_id"
