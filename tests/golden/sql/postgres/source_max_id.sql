SELECT MAX("app_id")
FROM "public"."app_xml"
