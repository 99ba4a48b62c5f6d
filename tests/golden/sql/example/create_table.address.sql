CREATE TABLE IF NOT EXISTS "address"
(
  "app_id" INTEGER NOT NULL,
  "applicant_seq" INTEGER NOT NULL,
  "address_seq" INTEGER NOT NULL,
  "address_type" TEXT NOT NULL,
  "line1" TEXT NOT NULL,
  "line2" TEXT,
  "city" TEXT NOT NULL,
  "state" TEXT,
  "zip" TEXT,
  "country" TEXT,
  "years_at_address" INTEGER,
  "ownership" TEXT,
  CONSTRAINT "pk_address" PRIMARY KEY ("app_id", "applicant_seq", "address_seq")
)
