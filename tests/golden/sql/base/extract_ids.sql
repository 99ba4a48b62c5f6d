SELECT s.[app_id] AS [app_id], s.[app_xml] AS [xml]
FROM [dbo].[app_xml] AS s
WHERE s.[app_id] = ?
