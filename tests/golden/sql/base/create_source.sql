IF OBJECT_ID(N'[dbo].[app_xml]', N'U') IS NULL
CREATE TABLE [dbo].[app_xml]
(
  [app_id] bigint NOT NULL,
  [app_xml] nvarchar(max) NOT NULL,
  PRIMARY KEY ([app_id])
)
