SELECT MAX("app_id")
FROM "app_xml"
