DELETE FROM [sandbox].[address]
WHERE [app_id] = ?
