CREATE TABLE IF NOT EXISTS "public"."app_xml"
(
  "app_id" bigint NOT NULL,
  "app_xml" text NOT NULL,
  PRIMARY KEY ("app_id")
)
