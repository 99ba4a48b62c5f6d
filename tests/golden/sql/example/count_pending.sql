SELECT COUNT(*)
FROM "app_xml" AS s
WHERE ((s."app_id" % ?) + ?) % ? = ?
  AND NOT EXISTS (
    SELECT 1 FROM "processing_log" AS l
    WHERE l."app_id" = s."app_id"
      AND l."status" IN ('success', 'failed')
  )
