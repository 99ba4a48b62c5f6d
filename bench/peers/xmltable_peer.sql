-- The credit application mapping written as PostgreSQL XMLTABLE, run in the database (the XMLTABLE peer).
-- Target tables are found through search_path (the runner sets it to the target schema); the source is
-- bench.app_xml. Everything lives in pg_temp, so nothing outlives the session.
--
-- The pitfalls, and what this file does about them:
-- * XMLTABLE gives '' for an empty element, which fails a numeric, date or boolean cast: every value
--   goes through pg_temp.t() (trim, then NULLIF(..., '')) before its conversion.
-- * An explicit ::varchar(n) cast truncates silently: text values are inserted uncast, so the column's
--   assignment cast raises "value too long" as etl does. numeric(p,s) would round extra decimals, so
--   pg_temp.dec() refuses them; dates and datetimes accept ISO 8601 only (PostgreSQL would take more).
-- * One bad document aborts a set-based statement: documents are loaded one at a time, each in its own
--   BEGIN ... EXCEPTION block (a subtransaction), so a bad one is rolled back and counted, the rest load.
-- * No default namespace is needed by this mapping; a namespaced one would bind a prefix in XMLNAMESPACES.

CREATE FUNCTION pg_temp.t(v text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT NULLIF(btrim(v, E' \t\n\r'), '') $$;

CREATE FUNCTION pg_temp.fail(what text, v text) RETURNS text LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION '% is not a %', quote_literal(v), what; END $$;

CREATE FUNCTION pg_temp.dec(raw text, s int) RETURNS numeric LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE v text := pg_temp.t(raw); n numeric;
BEGIN
  IF v IS NULL THEN RETURN NULL; END IF;
  IF v !~ '^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$' THEN PERFORM pg_temp.fail('decimal', v); END IF;
  n := v::numeric;
  IF n <> round(n, s) THEN PERFORM pg_temp.fail('decimal of scale ' || s, v); END IF;
  RETURN n;  -- the column's numeric(p,s) raises on too many digits before the point
END $$;

CREATE FUNCTION pg_temp.si(raw text) RETURNS smallint LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE v text := pg_temp.t(raw);
BEGIN
  IF v IS NULL THEN RETURN NULL; END IF;
  IF v !~ '^[+-]?[0-9]+$' THEN PERFORM pg_temp.fail('smallint', v); END IF;
  RETURN v::smallint;
END $$;

CREATE FUNCTION pg_temp.b(raw text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE v text := lower(pg_temp.t(raw));
BEGIN
  IF v IS NULL THEN RETURN NULL; END IF;
  IF v IN ('true', '1', 'y', 'yes') THEN RETURN true; END IF;
  IF v IN ('false', '0', 'n', 'no') THEN RETURN false; END IF;
  PERFORM pg_temp.fail('boolean', v);
END $$;

CREATE FUNCTION pg_temp.d(raw text) RETURNS date LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE v text := pg_temp.t(raw);
BEGIN
  IF v IS NULL THEN RETURN NULL; END IF;
  IF v !~ '^\d{4}-\d{2}-\d{2}$' THEN PERFORM pg_temp.fail('date', v); END IF;
  RETURN v::date;
END $$;

-- ISO 8601; a value with an offset is stored as its UTC wall-clock time, one without as written.
CREATE FUNCTION pg_temp.ts(raw text) RETURNS timestamp LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE v text := pg_temp.t(raw);
BEGIN
  IF v IS NULL THEN RETURN NULL; END IF;
  IF v !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$' THEN
    PERFORM pg_temp.fail('datetime', v);
  END IF;
  IF v ~ '(Z|[+-]\d{2}(:?\d{2})?)$' THEN RETURN v::timestamptz AT TIME ZONE 'UTC'; END IF;
  RETURN v::timestamp;
END $$;

CREATE FUNCTION pg_temp.load_one(app bigint, d xml) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO application (app_id, application_number, schema_version, submitted_at, channel_code, channel,
      branch, product_code, product_name, amount, currency, term_months, interest_rate, purpose,
      property_value, decision_status, credit_score, decided_at)
  SELECT app, pg_temp.t(x.application_number), pg_temp.t(x.schema_version), pg_temp.ts(x.submitted_at),
      pg_temp.t(x.channel_code), pg_temp.t(x.channel), NULLIF(x.branch, ''), pg_temp.t(x.product_code),
      pg_temp.t(x.product_name), pg_temp.dec(x.amount, 2), COALESCE(pg_temp.t(x.currency), 'USD'),
      pg_temp.si(x.term_months), pg_temp.dec(x.interest_rate, 3),
      CASE pg_temp.t(x.purpose) WHEN 'PURCHASE' THEN 'purchase' WHEN 'REFINANCE' THEN 'refinance'
        WHEN 'CASH_OUT' THEN 'cash_out' WHEN 'HOME_IMPROVEMENT' THEN 'improvement'
        ELSE CASE WHEN pg_temp.t(x.purpose) IS NOT NULL THEN 'other' END END,
      pg_temp.dec(x.property_value, 2), pg_temp.t(x.decision_status),
      pg_temp.si(NULLIF(pg_temp.t(x.credit_score), 'N/A')), pg_temp.ts(x.decided_at)
  FROM XMLTABLE('/CreditApplication' PASSING d COLUMNS
      application_number text PATH 'Header/ApplicationNumber', schema_version text PATH '@version',
      submitted_at text PATH 'Header/SubmittedAt', channel_code text PATH 'Header/Channel/@code',
      channel text PATH 'Header/Channel', branch text PATH 'Header/Branch',
      product_code text PATH 'Loan/Product/@code', product_name text PATH 'Loan/Product',
      amount text PATH 'Loan/Amount', currency text PATH 'Loan/Amount/@currency',
      term_months text PATH 'Loan/TermMonths', interest_rate text PATH 'Loan/InterestRate',
      purpose text PATH 'Loan/Purpose', property_value text PATH 'Loan/PropertyValue',
      decision_status text PATH 'Decision/Status', credit_score text PATH 'Decision/Score',
      decided_at text PATH 'Decision/DecidedAt') x;

  INSERT INTO applicant (app_id, applicant_seq, role, first_name, last_name, date_of_birth, ssn, email, phone,
      phone_type, marital_status, dependents, us_citizen)
  SELECT app, x.seq, pg_temp.t(x.role), pg_temp.t(x.first_name), pg_temp.t(x.last_name), pg_temp.d(x.dob),
      pg_temp.t(x.ssn), COALESCE(pg_temp.t(x.email), pg_temp.t(x.email_address)), pg_temp.t(x.phone),
      pg_temp.t(x.phone_type),
      CASE pg_temp.t(x.marital) WHEN 'M' THEN 'married' WHEN 'S' THEN 'single' WHEN 'D' THEN 'divorced'
        WHEN 'W' THEN 'widowed' ELSE CASE WHEN pg_temp.t(x.marital) IS NOT NULL THEN 'unknown' END END,
      COALESCE(pg_temp.si(x.dependents), 0), pg_temp.b(x.citizen)
  FROM XMLTABLE('/CreditApplication/Applicants/Applicant' PASSING d COLUMNS
      seq FOR ORDINALITY, role text PATH '@role', first_name text PATH 'FirstName',
      last_name text PATH 'LastName', dob text PATH 'DOB', ssn text PATH 'SSN', email text PATH 'Email',
      email_address text PATH 'EmailAddress', phone text PATH 'Phone', phone_type text PATH 'Phone/@type',
      marital text PATH 'MaritalStatus', dependents text PATH 'Dependents', citizen text PATH 'Citizen') x;

  INSERT INTO address (app_id, applicant_seq, address_seq, address_type, line1, line2, city, state, zip,
      country, years_at_address, ownership)
  SELECT app, a.seq, x.seq, pg_temp.t(x.address_type), pg_temp.t(x.line1), pg_temp.t(x.line2),
      pg_temp.t(x.city), pg_temp.t(x.state), pg_temp.t(x.zip), COALESCE(pg_temp.t(x.country), 'US'),
      pg_temp.si(x.years), pg_temp.t(x.ownership)
  FROM XMLTABLE('/CreditApplication/Applicants/Applicant' PASSING d COLUMNS
      seq FOR ORDINALITY, node xml PATH '.') a,
    XMLTABLE('/Applicant/Addresses/Address' PASSING a.node COLUMNS
      seq FOR ORDINALITY, address_type text PATH '@type', line1 text PATH 'Line1', line2 text PATH 'Line2',
      city text PATH 'City', state text PATH 'State', zip text PATH 'Zip', country text PATH 'Country',
      years text PATH 'YearsAtAddress', ownership text PATH 'Ownership') x;

  INSERT INTO employment (app_id, applicant_seq, employment_seq, status, employer_name, position_title,
      start_date, end_date, monthly_income, self_employed)
  SELECT app, a.seq, x.seq, pg_temp.t(x.status), pg_temp.t(x.employer_name), pg_temp.t(x.position_title),
      pg_temp.d(x.start_date), pg_temp.d(x.end_date), pg_temp.dec(x.monthly_income, 2),
      COALESCE(pg_temp.b(x.self_employed), false)
  FROM XMLTABLE('/CreditApplication/Applicants/Applicant' PASSING d COLUMNS
      seq FOR ORDINALITY, node xml PATH '.') a,
    XMLTABLE('/Applicant/Employment/Employer' PASSING a.node COLUMNS
      seq FOR ORDINALITY, status text PATH '@status', employer_name text PATH 'Name',
      position_title text PATH 'Position', start_date text PATH 'StartDate', end_date text PATH 'EndDate',
      monthly_income text PATH 'MonthlyIncome', self_employed text PATH 'SelfEmployed') x;

  INSERT INTO income (app_id, applicant_seq, income_seq, income_type, frequency, amount, verified)
  SELECT app, a.seq, x.seq, pg_temp.t(x.income_type), pg_temp.t(x.frequency), pg_temp.dec(x.amount, 2),
      pg_temp.b(x.verified)
  FROM XMLTABLE('/CreditApplication/Applicants/Applicant' PASSING d COLUMNS
      seq FOR ORDINALITY, node xml PATH '.') a,
    XMLTABLE('/Applicant/Incomes/Income' PASSING a.node COLUMNS
      seq FOR ORDINALITY, income_type text PATH '@type', frequency text PATH '@frequency',
      amount text PATH 'Amount', verified text PATH 'Verified') x;

  INSERT INTO liability (app_id, liability_seq, liability_type, creditor, account_number, balance,
      monthly_payment, opened_on)
  SELECT app, x.seq, pg_temp.t(x.liability_type), pg_temp.t(x.creditor), pg_temp.t(x.account_number),
      pg_temp.dec(x.balance, 2), pg_temp.dec(x.monthly_payment, 2), pg_temp.d(x.opened_on)
  FROM XMLTABLE('/CreditApplication/Liabilities/Liability' PASSING d COLUMNS
      seq FOR ORDINALITY, liability_type text PATH '@type', creditor text PATH 'Creditor',
      account_number text PATH 'AccountNumber', balance text PATH 'Balance',
      monthly_payment text PATH 'MonthlyPayment', opened_on text PATH 'OpenedOn') x;

  INSERT INTO decision_reason (app_id, reason_seq, reason_code, reason_text)
  SELECT app, x.seq, pg_temp.t(x.reason_code), pg_temp.t(x.reason_text)
  FROM XMLTABLE('/CreditApplication/Decision/Reasons/Reason' PASSING d COLUMNS
      seq FOR ORDINALITY, reason_code text PATH '@code', reason_text text PATH 'text()') x;
END $$;

-- Every document up to max_id, one subtransaction each; returns (loaded, failed).
CREATE FUNCTION pg_temp.load_all(max_id bigint, OUT loaded int, OUT failed int) LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  loaded := 0;
  failed := 0;
  FOR r IN SELECT app_id, app_xml FROM bench.app_xml WHERE app_id <= max_id ORDER BY app_id LOOP
    BEGIN
      PERFORM pg_temp.load_one(r.app_id, (r.app_xml::xml));
      loaded := loaded + 1;
    EXCEPTION WHEN OTHERS THEN
      failed := failed + 1;
    END;
  END LOOP;
END $$;
