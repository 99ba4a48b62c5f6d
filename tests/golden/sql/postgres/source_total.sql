SELECT COUNT(*)
FROM "public"."app_xml" AS s
WHERE ((s."app_id" %% %s) + %s) %% %s = %s
