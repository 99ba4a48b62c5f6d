SELECT [app_id]
FROM [sandbox].[processing_log]
WHERE [batch_id] = ?
ORDER BY [app_id]
