INSERT INTO "sandbox"."income" ("app_id", "applicant_seq", "income_seq", "income_type", "frequency", "amount", "verified")
VALUES (%s, %s, %s, %s, %s, %s, %s)
