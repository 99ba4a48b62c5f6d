CREATE TABLE IF NOT EXISTS "sandbox"."liability"
(
  "app_id" bigint NOT NULL,
  "liability_seq" integer NOT NULL,
  "liability_type" varchar(20),
  "creditor" varchar(100),
  "account_number" varchar(30),
  "balance" numeric(14,2),
  "monthly_payment" numeric(12,2),
  "opened_on" date,
  CONSTRAINT "pk_liability" PRIMARY KEY ("app_id", "liability_seq")
)
