INSERT INTO "applicant" ("app_id", "applicant_seq", "role", "first_name", "last_name", "date_of_birth", "ssn", "email", "phone", "phone_type", "marital_status", "dependents", "us_citizen")
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
