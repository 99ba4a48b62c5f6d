CREATE TABLE IF NOT EXISTS "applicant"
(
  "app_id" INTEGER NOT NULL,
  "applicant_seq" INTEGER NOT NULL,
  "role" TEXT NOT NULL,
  "first_name" TEXT NOT NULL,
  "last_name" TEXT NOT NULL,
  "date_of_birth" TEXT NOT NULL,
  "ssn" TEXT,
  "email" TEXT,
  "phone" TEXT,
  "phone_type" TEXT,
  "marital_status" TEXT,
  "dependents" INTEGER,
  "us_citizen" INTEGER,
  CONSTRAINT "pk_applicant" PRIMARY KEY ("app_id", "applicant_seq")
)
