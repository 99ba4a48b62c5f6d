INSERT INTO "app_xml" ("app_id", "app_xml")
VALUES (?, ?)
