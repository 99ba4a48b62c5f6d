DELETE FROM [sandbox].[decision_reason]
WHERE [app_id] = ?
