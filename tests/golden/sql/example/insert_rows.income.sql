INSERT INTO "income" ("app_id", "applicant_seq", "income_seq", "income_type", "frequency", "amount", "verified")
VALUES (?, ?, ?, ?, ?, ?, ?)
