IF OBJECT_ID(N'[sandbox].[liability]', N'U') IS NULL
CREATE TABLE [sandbox].[liability]
(
  [app_id] bigint NOT NULL,
  [liability_seq] int NOT NULL,
  [liability_type] varchar(20),
  [creditor] nvarchar(100),
  [account_number] varchar(30),
  [balance] decimal(14,2),
  [monthly_payment] decimal(12,2),
  [opened_on] date,
  CONSTRAINT [pk_liability] PRIMARY KEY ([app_id], [liability_seq])
)
