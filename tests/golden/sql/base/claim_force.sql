MERGE [sandbox].[processing_log] WITH (HOLDLOCK) AS l
USING (SELECT
  CAST(? AS bigint) AS [app_id],
  CAST(? AS varchar(10)) AS [status],
  CAST(? AS int) AS [instance_id],
  CAST(? AS varchar(32)) AS [session_id],
  CAST(? AS varchar(32)) AS [batch_id],
  CAST(? AS nvarchar(max)) AS [error],
  CAST(? AS varchar(64)) AS [mapping_hash],
  CAST(? AS datetime2) AS [started_at],
  CAST(? AS datetime2) AS [finished_at],
  CAST(? AS int) AS [duration_ms]
) AS s
ON l.[app_id] = s.[app_id]
WHEN MATCHED THEN UPDATE SET
  [status] = s.[status],
  [instance_id] = s.[instance_id],
  [session_id] = s.[session_id],
  [batch_id] = s.[batch_id],
  [error] = s.[error],
  [mapping_hash] = s.[mapping_hash],
  [started_at] = s.[started_at],
  [finished_at] = s.[finished_at],
  [duration_ms] = s.[duration_ms],
  [attempts] = l.[attempts] + 1
WHEN NOT MATCHED THEN
  INSERT ([app_id], [status], [instance_id], [session_id], [batch_id], [error], [mapping_hash], [started_at], [finished_at], [duration_ms], [attempts])
  VALUES (s.[app_id], s.[status], s.[instance_id], s.[session_id], s.[batch_id], s.[error], s.[mapping_hash], s.[started_at], s.[finished_at], s.[duration_ms], 1);
