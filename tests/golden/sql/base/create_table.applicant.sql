IF OBJECT_ID(N'[sandbox].[applicant]', N'U') IS NULL
CREATE TABLE [sandbox].[applicant]
(
  [app_id] bigint NOT NULL,
  [applicant_seq] int NOT NULL,
  [role] varchar(20) NOT NULL,
  [first_name] nvarchar(50) NOT NULL,
  [last_name] nvarchar(50) NOT NULL,
  [date_of_birth] date NOT NULL,
  [ssn] varchar(11),
  [email] varchar(120),
  [phone] varchar(25),
  [phone_type] varchar(10),
  [marital_status] varchar(10),
  [dependents] smallint,
  [us_citizen] bit,
  CONSTRAINT [pk_applicant] PRIMARY KEY ([app_id], [applicant_seq])
)
