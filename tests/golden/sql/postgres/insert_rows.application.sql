INSERT INTO "sandbox"."application" ("app_id", "application_number", "schema_version", "submitted_at", "channel_code", "channel", "branch", "product_code", "product_name", "amount", "currency", "term_months", "interest_rate", "purpose", "property_value", "decision_status", "credit_score", "decided_at")
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
