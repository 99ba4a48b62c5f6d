CREATE INDEX IF NOT EXISTS "ix_processing_log_batch_id" ON "sandbox"."processing_log" ("batch_id")
