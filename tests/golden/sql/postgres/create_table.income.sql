CREATE TABLE IF NOT EXISTS "sandbox"."income"
(
  "app_id" bigint NOT NULL,
  "applicant_seq" integer NOT NULL,
  "income_seq" integer NOT NULL,
  "income_type" varchar(20) NOT NULL,
  "frequency" varchar(10),
  "amount" numeric(12,2) NOT NULL,
  "verified" boolean,
  CONSTRAINT "pk_income" PRIMARY KEY ("app_id", "applicant_seq", "income_seq")
)
