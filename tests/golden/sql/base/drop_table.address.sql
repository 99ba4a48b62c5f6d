DROP TABLE IF EXISTS [sandbox].[address]
