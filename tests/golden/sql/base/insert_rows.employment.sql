INSERT INTO [sandbox].[employment] ([app_id], [applicant_seq], [employment_seq], [status], [employer_name], [position_title], [start_date], [end_date], [monthly_income], [self_employed])
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
