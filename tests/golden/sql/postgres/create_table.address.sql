CREATE TABLE IF NOT EXISTS "sandbox"."address"
(
  "app_id" bigint NOT NULL,
  "applicant_seq" integer NOT NULL,
  "address_seq" integer NOT NULL,
  "address_type" varchar(10) NOT NULL,
  "line1" varchar(100) NOT NULL,
  "line2" varchar(100),
  "city" varchar(60) NOT NULL,
  "state" varchar(3),
  "zip" varchar(10),
  "country" varchar(2),
  "years_at_address" smallint,
  "ownership" varchar(10),
  CONSTRAINT "pk_address" PRIMARY KEY ("app_id", "applicant_seq", "address_seq")
)
