IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_processing_log_batch_id' AND object_id = OBJECT_ID(N'[sandbox].[processing_log]'))
CREATE INDEX [ix_processing_log_batch_id] ON [sandbox].[processing_log] ([batch_id])
