CREATE TABLE IF NOT EXISTS "employment"
(
  "app_id" INTEGER NOT NULL,
  "applicant_seq" INTEGER NOT NULL,
  "employment_seq" INTEGER NOT NULL,
  "status" TEXT,
  "employer_name" TEXT NOT NULL,
  "position_title" TEXT,
  "start_date" TEXT,
  "end_date" TEXT,
  "monthly_income" NUMERIC(12,2),
  "self_employed" INTEGER,
  CONSTRAINT "pk_employment" PRIMARY KEY ("app_id", "applicant_seq", "employment_seq")
)
