DROP TABLE IF EXISTS [sandbox].[liability]
