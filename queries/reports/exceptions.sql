-- exceptions.csv's rows, from the findings of queries/rules/ (for an
-- engine that runs the rules itself: the Spark job; the local engine does
-- the same in rules::enrich). Each finding gets its invoice's context (or
-- its decision's mode), its severity and its ageing: business days after
-- its deadline up to the as-of date, and the bucket of that age.
--
-- The exception_id is a SHA-256 of what identifies the finding (code,
-- seller_nip, invoice_number, finding_decision_id, finding_user,
-- discriminator, each
-- followed by the unit separator U+001F, null as empty), never of its
-- detail: each engine hashes these columns with its own SHA-256 function,
-- then sorts by severity_rank, code, seller_nip, invoice_number,
-- decision_id and exception_id, nulls last.
--
-- Reads: found (the rules' findings unioned: code, seller_nip,
-- invoice_number, decision_id, user, ksef_number, detail, discriminator,
-- gross_amount, currency, all text), invoices (rule_invoices.sql),
-- decisions, rules, params, calendar.
--
-- Engine substitution (Spark SQL): `CREATE TABLE name AS` runs as `CREATE
-- OR REPLACE TEMPORARY VIEW name AS`.

CREATE TABLE found_in_context AS
SELECT f.code, f.seller_nip, f.invoice_number,
       f.decision_id AS finding_decision_id, f."user" AS finding_user,
       f.discriminator, f.detail,
       COALESCE(f.decision_id, i.decision_id) AS decision_id,
       COALESCE(f."user", i.issued_by) AS "user",
       COALESCE(f.ksef_number, i.ksef_number) AS ksef_number,
       i.mode AS invoice_mode, i.owner, i.deadline, i.deadline_kind,
       i.submitted_on,
       COALESCE(i.gross_amount, CAST(f.gross_amount AS BIGINT)) AS gross_amount,
       COALESCE(i.currency, f.currency) AS currency
FROM found f
LEFT JOIN invoices i
  ON f.seller_nip = i.seller_nip AND f.invoice_number = i.invoice_number;

-- Business days after each deadline up to the as-of date (0 when it has
-- not passed). No derived table is named here or below: polars SQL keeps
-- a derived table's alias as a table of its context, where a later
-- query's alias of the same name would find it.
CREATE TABLE found_deadlines AS
SELECT DISTINCT deadline FROM found_in_context WHERE deadline IS NOT NULL;

CREATE TABLE deadline_ages AS
SELECT fd.deadline, COUNT(c.date) AS age
FROM found_deadlines fd
CROSS JOIN params p
CROSS JOIN calendar c
WHERE c.business_day AND c.date > fd.deadline AND c.date <= p.as_of
GROUP BY fd.deadline;

CREATE TABLE rule_severities AS
SELECT DISTINCT code, severity, severity_rank FROM rules;

SELECT x.code, r.severity, r.severity_rank, x.seller_nip, x.invoice_number,
       x.ksef_number, COALESCE(x.invoice_mode, dec.mode) AS mode,
       x.decision_id, x."user", x.owner, x.deadline, x.deadline_kind,
       x.submitted_on,
       CASE WHEN x.deadline IS NOT NULL THEN COALESCE(a.age, 0) END
         AS age_business_days,
       CASE WHEN COALESCE(a.age, 0) = 0 THEN 'not due'
            WHEN a.age <= 2 THEN '1-2'
            WHEN a.age <= 5 THEN '3-5'
            WHEN a.age <= 10 THEN '6-10'
            WHEN a.age <= 20 THEN '11-20'
            ELSE '>20' END AS ageing_bucket,
       x.gross_amount, x.currency, x.detail,
       x.finding_decision_id, x.finding_user, x.discriminator
FROM found_in_context x
LEFT JOIN deadline_ages a ON x.deadline = a.deadline
LEFT JOIN decisions dec ON x.decision_id = dec.decision_id
LEFT JOIN rule_severities r ON x.code = r.code
