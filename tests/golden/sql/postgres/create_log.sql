CREATE TABLE IF NOT EXISTS "sandbox"."processing_log"
(
  "app_id" bigint NOT NULL,
  "status" varchar(10) NOT NULL,
  "instance_id" integer NOT NULL,
  "session_id" varchar(32) NOT NULL,
  "batch_id" varchar(32) NOT NULL,
  "attempts" integer NOT NULL,
  "error" text,
  "mapping_hash" varchar(64) NOT NULL,
  "started_at" timestamp NOT NULL,
  "finished_at" timestamp NOT NULL,
  "duration_ms" integer NOT NULL,
  CONSTRAINT "pk_processing_log" PRIMARY KEY ("app_id")
)
