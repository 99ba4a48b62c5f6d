COPY "sandbox"."decision_reason" ("app_id", "reason_seq", "reason_code", "reason_text") FROM STDIN
