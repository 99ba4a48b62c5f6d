DELETE FROM [sandbox].[employment]
WHERE [app_id] = ?
