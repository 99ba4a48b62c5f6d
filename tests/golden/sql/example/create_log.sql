CREATE TABLE IF NOT EXISTS "processing_log"
(
  "app_id" INTEGER NOT NULL,
  "status" TEXT NOT NULL,
  "instance_id" INTEGER NOT NULL,
  "session_id" TEXT NOT NULL,
  "batch_id" TEXT NOT NULL,
  "attempts" INTEGER NOT NULL,
  "error" TEXT,
  "mapping_hash" TEXT NOT NULL,
  "started_at" TEXT NOT NULL,
  "finished_at" TEXT NOT NULL,
  "duration_ms" INTEGER NOT NULL,
  CONSTRAINT "pk_processing_log" PRIMARY KEY ("app_id")
)
