INSERT INTO [sandbox].[address] ([app_id], [applicant_seq], [address_seq], [address_type], [line1], [line2], [city], [state], [zip], [country], [years_at_address], [ownership])
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
