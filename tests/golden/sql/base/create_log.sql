IF OBJECT_ID(N'[sandbox].[processing_log]', N'U') IS NULL
CREATE TABLE [sandbox].[processing_log]
(
  [app_id] bigint NOT NULL,
  [status] varchar(10) NOT NULL,
  [instance_id] int NOT NULL,
  [session_id] varchar(32) NOT NULL,
  [batch_id] varchar(32) NOT NULL,
  [attempts] int NOT NULL,
  [error] nvarchar(max),
  [mapping_hash] varchar(64) NOT NULL,
  [started_at] datetime2 NOT NULL,
  [finished_at] datetime2 NOT NULL,
  [duration_ms] int NOT NULL,
  CONSTRAINT [pk_processing_log] PRIMARY KEY ([app_id])
)
