DROP TABLE IF EXISTS [sandbox].[application]
