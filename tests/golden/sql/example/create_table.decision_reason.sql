CREATE TABLE IF NOT EXISTS "decision_reason"
(
  "app_id" INTEGER NOT NULL,
  "reason_seq" INTEGER NOT NULL,
  "reason_code" TEXT NOT NULL,
  "reason_text" TEXT,
  CONSTRAINT "pk_decision_reason" PRIMARY KEY ("app_id", "reason_seq")
)
