CREATE TABLE IF NOT EXISTS "app_xml"
(
  "app_id" INTEGER NOT NULL,
  "app_xml" TEXT NOT NULL,
  PRIMARY KEY ("app_id")
)
