SELECT COUNT(*)
FROM "public"."app_xml" AS s
WHERE ((s."app_id" %% %s) + %s) %% %s = %s
  AND NOT EXISTS (
    SELECT 1 FROM "sandbox"."processing_log" AS l
    WHERE l."app_id" = s."app_id"
      AND l."status" IN ('success', 'failed')
  )
