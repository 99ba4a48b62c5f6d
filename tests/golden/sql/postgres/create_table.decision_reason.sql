CREATE TABLE IF NOT EXISTS "sandbox"."decision_reason"
(
  "app_id" bigint NOT NULL,
  "reason_seq" integer NOT NULL,
  "reason_code" varchar(20) NOT NULL,
  "reason_text" varchar(200),
  CONSTRAINT "pk_decision_reason" PRIMARY KEY ("app_id", "reason_seq")
)
