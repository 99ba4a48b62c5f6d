SELECT TOP (50) s.[app_id] AS [app_id], s.[app_xml] AS [xml]
FROM [dbo].[app_xml] AS s
WHERE s.[app_id] > ?
  AND ((s.[app_id] % ?) + ?) % ? = ?
  AND NOT EXISTS (
    SELECT 1 FROM [sandbox].[processing_log] AS l
    WHERE l.[app_id] = s.[app_id]
      AND l.[status] IN ('success', 'failed')
  )
ORDER BY s.[app_id]
