CREATE TABLE IF NOT EXISTS "liability"
(
  "app_id" INTEGER NOT NULL,
  "liability_seq" INTEGER NOT NULL,
  "liability_type" TEXT,
  "creditor" TEXT,
  "account_number" TEXT,
  "balance" NUMERIC(14,2),
  "monthly_payment" NUMERIC(12,2),
  "opened_on" TEXT,
  CONSTRAINT "pk_liability" PRIMARY KEY ("app_id", "liability_seq")
)
