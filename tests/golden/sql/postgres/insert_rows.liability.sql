INSERT INTO "sandbox"."liability" ("app_id", "liability_seq", "liability_type", "creditor", "account_number", "balance", "monthly_payment", "opened_on")
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
