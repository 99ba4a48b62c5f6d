DROP TABLE IF EXISTS [sandbox].[decision_reason]
