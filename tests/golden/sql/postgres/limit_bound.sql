SELECT MAX(f."app_id")
FROM (
  SELECT s."app_id"
  FROM "public"."app_xml" AS s
  ORDER BY s."app_id"
  LIMIT %s
) AS f
