-- Matching, step 9: each invoice's deadline and status, as
-- reconciliation.csv gives them.
-- Contract section 3 (deadlines: by mode from P_1 or the period's end,
-- stretched by FAILURE announcements, lifted by a TOTAL_FAILURE) and
-- section 4 (statuses). The deadline of each distinct key (deadline mode,
-- P_1, the offline period, why there is no duty) is looked up in
-- deadline_keys, which the driver computes once per key (the FAILURE
-- stretch is a fixed point over a few events); the offline period of a
-- log invoice is step 7's.
-- Status: not_required where the invoice requires no KSeF; with a dated
-- deadline and a submission, submitted_on_time (on or before the
-- deadline) or submitted_late; with a dated deadline, no submission and a
-- KSeF extract that proves absence (complete, covering P_1 and the
-- deadline: ksef_extract), overdue once the as-of date is past the
-- deadline, else pending; with no submission otherwise, unverified; a
-- duty still open or lapsed with a submission, submitted_on_time.
--
-- Reads: invoices (step 8), log_periods (step 7), deadline_keys, ksef_extract,
-- params (as_of).
-- Gives: reconciliation.csv's rows but the penalty, typed: deadline a DATE
-- beside deadline_kind (date, none, lapsed, open).
--
-- Engine substitution (Spark SQL): each `CREATE TABLE name AS` below is run
-- as `CREATE OR REPLACE TEMPORARY VIEW name AS` (docs/scaling.md, "Matching
-- as SQL"); polars SQL runs it as written.

-- The key's columns with a stand-in for null on both sides, so that a
-- plain equi-join matches a null as the same key (both engines' joins
-- leave a null key unmatched): '-' for text (no mode, kind, id or reason
-- is '-'), and for a date whether it is null beside the date or, where it
-- is null, the as-of date. (No date literal: polars casts a text to a
-- date only with a deprecation warning.)
CREATE TABLE invoice_keyed AS
SELECT i.*,
       COALESCE(i.deadline_mode, '-') AS k_mode,
       i.issue_date IS NULL AS k_no_issue_date,
       COALESCE(i.issue_date, p.as_of) AS k_issue_date,
       COALESCE(op.period_kind, '-') AS k_period_kind,
       op.period_end IS NULL AS k_no_period_end,
       COALESCE(op.period_end, p.as_of) AS k_period_end,
       COALESCE(op.period_decision, '-') AS k_period_decision,
       COALESCE(op.period_event, '-') AS k_period_event,
       COALESCE(i.no_duty_reason, '-') AS k_no_duty_reason
FROM invoices i
LEFT JOIN log_periods op
  ON i.seller_nip = op.seller_nip AND i.invoice_number = op.invoice_number
CROSS JOIN params p;

CREATE TABLE deadlines_keyed AS
SELECT COALESCE(k.deadline_mode, '-') AS k_mode,
       k.issue_date IS NULL AS k_no_issue_date,
       COALESCE(k.issue_date, p.as_of) AS k_issue_date,
       COALESCE(k.period_kind, '-') AS k_period_kind,
       k.period_end IS NULL AS k_no_period_end,
       COALESCE(k.period_end, p.as_of) AS k_period_end,
       COALESCE(k.period_decision, '-') AS k_period_decision,
       COALESCE(k.period_event, '-') AS k_period_event,
       COALESCE(k.no_duty_reason, '-') AS k_no_duty_reason,
       k.deadline, k.deadline_kind AS key_deadline_kind, k.deadline_basis
FROM deadline_keys k
CROSS JOIN params p;

CREATE TABLE invoice_deadlines AS
SELECT i.*, d.deadline, d.key_deadline_kind, d.deadline_basis,
       e.covers_from, e.covers_through, p.as_of
FROM invoice_keyed i
LEFT JOIN deadlines_keyed d
  ON i.k_mode = d.k_mode
 AND i.k_no_issue_date = d.k_no_issue_date AND i.k_issue_date = d.k_issue_date
 AND i.k_period_kind = d.k_period_kind
 AND i.k_no_period_end = d.k_no_period_end AND i.k_period_end = d.k_period_end
 AND i.k_period_decision = d.k_period_decision
 AND i.k_period_event = d.k_period_event
 AND i.k_no_duty_reason = d.k_no_duty_reason
CROSS JOIN ksef_extract e
CROSS JOIN params p;

SELECT seller_nip, invoice_number, issue_date, mode, decision_id,
       in_ledger, in_offline_log, in_ksef, ksef_number,
       submitted_at, submitted_on,
       deadline,
       CASE WHEN NOT requires_ksef AND key_deadline_kind IS NULL THEN 'none'
            ELSE key_deadline_kind END AS deadline_kind,
       CASE
         WHEN NOT requires_ksef THEN 'not_required'
         WHEN key_deadline_kind = 'date' AND submitted_on IS NOT NULL THEN
           CASE WHEN submitted_on <= deadline THEN 'submitted_on_time'
                ELSE 'submitted_late' END
         WHEN key_deadline_kind = 'date'
              AND COALESCE(issue_date >= covers_from
                           AND deadline <= covers_through, FALSE) THEN
           CASE WHEN as_of > deadline THEN 'overdue' ELSE 'pending' END
         WHEN key_deadline_kind IN ('date', 'open') AND submitted_on IS NULL
           THEN 'unverified'
         WHEN key_deadline_kind IN ('open', 'lapsed')
              AND submitted_on IS NOT NULL THEN 'submitted_on_time'
         ELSE 'not_required'
       END AS status,
       gross_amount, vat_amount, currency, owner, deadline_basis,
       archive_file, archive_hash, kod1_url, upo_file, corrects, corrected_by,
       in_ksef_metadata, in_upo, requires_ksef, offline_not_in_log,
       -- What only the rules read (rule_invoices.sql):
       in_archive, is_our_seller, sent_offline, ledger_issue_date,
       ledger_gross_amount, ledger_net_amount, ledger_currency,
       ledger_ksef_number, ledger_ksef_marker, ledger_in_return, ledger_rows,
       log_issue_date, issued_at, log_mode, issued_by, issued_by_key,
       log_invoice_hash, log_gross_amount, log_currency, meta_ksef_number,
       ksef_issue_date, ksef_gross_amount, ksef_net_amount, ksef_currency,
       ksef_invoice_hash, ksef_hash_of_corrected_invoice, ksef_records,
       upo_ksef_number, upo_invoice_hash, archive_issue_date,
       archive_gross_amount, archive_currency
FROM invoice_deadlines
