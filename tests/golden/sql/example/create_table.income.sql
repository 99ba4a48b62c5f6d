CREATE TABLE IF NOT EXISTS "income"
(
  "app_id" INTEGER NOT NULL,
  "applicant_seq" INTEGER NOT NULL,
  "income_seq" INTEGER NOT NULL,
  "income_type" TEXT NOT NULL,
  "frequency" TEXT,
  "amount" NUMERIC(12,2) NOT NULL,
  "verified" INTEGER,
  CONSTRAINT "pk_income" PRIMARY KEY ("app_id", "applicant_seq", "income_seq")
)
