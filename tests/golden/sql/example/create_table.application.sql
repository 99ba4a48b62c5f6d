CREATE TABLE IF NOT EXISTS "application"
(
  "app_id" INTEGER NOT NULL,
  "application_number" TEXT NOT NULL,
  "schema_version" TEXT,
  "submitted_at" TEXT NOT NULL,
  "channel_code" TEXT,
  "channel" TEXT,
  "branch" TEXT,
  "product_code" TEXT NOT NULL,
  "product_name" TEXT,
  "amount" NUMERIC(14,2) NOT NULL,
  "currency" TEXT,
  "term_months" INTEGER,
  "interest_rate" NUMERIC(6,3),
  "purpose" TEXT,
  "property_value" NUMERIC(14,2),
  "decision_status" TEXT,
  "credit_score" INTEGER,
  "decided_at" TEXT,
  CONSTRAINT "pk_application" PRIMARY KEY ("app_id")
)
