CREATE TABLE IF NOT EXISTS "sandbox"."application"
(
  "app_id" bigint NOT NULL,
  "application_number" varchar(20) NOT NULL,
  "schema_version" varchar(10),
  "submitted_at" timestamp NOT NULL,
  "channel_code" varchar(10),
  "channel" varchar(50),
  "branch" varchar(10),
  "product_code" varchar(10) NOT NULL,
  "product_name" varchar(100),
  "amount" numeric(14,2) NOT NULL,
  "currency" varchar(3),
  "term_months" smallint,
  "interest_rate" numeric(6,3),
  "purpose" varchar(20),
  "property_value" numeric(14,2),
  "decision_status" varchar(12),
  "credit_score" smallint,
  "decided_at" timestamp,
  CONSTRAINT "pk_application" PRIMARY KEY ("app_id")
)
