SELECT COUNT(*)
FROM [dbo].[app_xml] AS s
WHERE ((s.[app_id] % ?) + ?) % ? = ?
