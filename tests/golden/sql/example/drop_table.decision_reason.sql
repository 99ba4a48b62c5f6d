DROP TABLE IF EXISTS "decision_reason"
