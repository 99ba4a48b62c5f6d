IF OBJECT_ID(N'[sandbox].[employment]', N'U') IS NULL
CREATE TABLE [sandbox].[employment]
(
  [app_id] bigint NOT NULL,
  [applicant_seq] int NOT NULL,
  [employment_seq] int NOT NULL,
  [status] varchar(10),
  [employer_name] nvarchar(100) NOT NULL,
  [position_title] nvarchar(60),
  [start_date] date,
  [end_date] date,
  [monthly_income] decimal(12,2),
  [self_employed] bit,
  CONSTRAINT [pk_employment] PRIMARY KEY ([app_id], [applicant_seq], [employment_seq])
)
