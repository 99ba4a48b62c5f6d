CREATE TABLE IF NOT EXISTS "sandbox"."employment"
(
  "app_id" bigint NOT NULL,
  "applicant_seq" integer NOT NULL,
  "employment_seq" integer NOT NULL,
  "status" varchar(10),
  "employer_name" varchar(100) NOT NULL,
  "position_title" varchar(60),
  "start_date" date,
  "end_date" date,
  "monthly_income" numeric(12,2),
  "self_employed" boolean,
  CONSTRAINT "pk_employment" PRIMARY KEY ("app_id", "applicant_seq", "employment_seq")
)
