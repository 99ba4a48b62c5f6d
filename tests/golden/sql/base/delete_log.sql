DELETE FROM [sandbox].[processing_log]
WHERE [app_id] = ?
