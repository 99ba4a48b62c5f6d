SELECT MAX([app_id])
FROM [dbo].[app_xml]
