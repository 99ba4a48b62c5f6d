SELECT COUNT(*)
FROM "app_xml" AS s
WHERE ((s."app_id" % ?) + ?) % ? = ?
