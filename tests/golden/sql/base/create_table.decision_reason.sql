IF OBJECT_ID(N'[sandbox].[decision_reason]', N'U') IS NULL
CREATE TABLE [sandbox].[decision_reason]
(
  [app_id] bigint NOT NULL,
  [reason_seq] int NOT NULL,
  [reason_code] varchar(20) NOT NULL,
  [reason_text] nvarchar(200),
  CONSTRAINT [pk_decision_reason] PRIMARY KEY ([app_id], [reason_seq])
)
