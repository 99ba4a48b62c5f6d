IF OBJECT_ID(N'[sandbox].[income]', N'U') IS NULL
CREATE TABLE [sandbox].[income]
(
  [app_id] bigint NOT NULL,
  [applicant_seq] int NOT NULL,
  [income_seq] int NOT NULL,
  [income_type] varchar(20) NOT NULL,
  [frequency] varchar(10),
  [amount] decimal(12,2) NOT NULL,
  [verified] bit,
  CONSTRAINT [pk_income] PRIMARY KEY ([app_id], [applicant_seq], [income_seq])
)
