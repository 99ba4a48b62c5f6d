SELECT MAX(f.[app_id])
FROM (
  SELECT TOP (?) s.[app_id]
  FROM [dbo].[app_xml] AS s
  ORDER BY s.[app_id]
) AS f
