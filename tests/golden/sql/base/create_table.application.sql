IF OBJECT_ID(N'[sandbox].[application]', N'U') IS NULL
CREATE TABLE [sandbox].[application]
(
  [app_id] bigint NOT NULL,
  [application_number] varchar(20) NOT NULL,
  [schema_version] varchar(10),
  [submitted_at] datetime2 NOT NULL,
  [channel_code] varchar(10),
  [channel] nvarchar(50),
  [branch] varchar(10),
  [product_code] varchar(10) NOT NULL,
  [product_name] nvarchar(100),
  [amount] decimal(14,2) NOT NULL,
  [currency] varchar(3),
  [term_months] smallint,
  [interest_rate] decimal(6,3),
  [purpose] varchar(20),
  [property_value] decimal(14,2),
  [decision_status] varchar(12),
  [credit_score] smallint,
  [decided_at] datetime2,
  CONSTRAINT [pk_application] PRIMARY KEY ([app_id])
)
