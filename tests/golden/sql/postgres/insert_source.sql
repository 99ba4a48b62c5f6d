INSERT INTO "public"."app_xml" ("app_id", "app_xml")
VALUES (%s, %s)
