-- Matching, step 11: the invoice table as the exception rules read it
-- (`invoices` in queries/rules/ and queries/reports/), for an engine that
-- runs the rules itself (the Spark job). The local engine gives its rules
-- the same columns from its own matching (matching::invoices).
--
-- Amounts are whole grosze (BIGINT), as the rules compare them with
-- params.amount_tolerance in grosze; the `*_text` columns are the amounts
-- the rules print in their details, with two decimals. `ksef_hash` is
-- KSeF's hash of the invoice: its metadata's, else its UPO's.
--
-- Reads: statuses (step 9).
-- Gives: one row per invoice, sorted by seller NIP and invoice number.

SELECT seller_nip, invoice_number, issue_date, mode, decision_id, owner,
       in_ledger, in_offline_log, in_ksef, in_ksef_metadata, in_upo,
       in_archive, is_our_seller, requires_ksef, offline_not_in_log,
       sent_offline, ksef_number, submitted_at, submitted_on, deadline,
       deadline_kind, status,
       CAST(gross_amount * 100 AS BIGINT) AS gross_amount, currency,
       archive_file, archive_hash, upo_file,
       ledger_issue_date,
       CAST(ledger_gross_amount * 100 AS BIGINT) AS ledger_gross_amount,
       CAST(ledger_net_amount * 100 AS BIGINT) AS ledger_net_amount,
       CAST(ledger_gross_amount AS VARCHAR) AS ledger_gross_text,
       CAST(ledger_net_amount AS VARCHAR) AS ledger_net_text,
       ledger_currency, ledger_ksef_number,
       ledger_ksef_marker AS ksef_marker, ledger_in_return, ledger_rows,
       log_issue_date, issued_at, log_mode, issued_by, issued_by_key,
       log_invoice_hash,
       CAST(log_gross_amount * 100 AS BIGINT) AS log_gross_amount,
       CAST(log_gross_amount AS VARCHAR) AS log_gross_text,
       log_currency, meta_ksef_number, ksef_issue_date,
       CAST(ksef_gross_amount * 100 AS BIGINT) AS ksef_gross_amount,
       CAST(ksef_net_amount * 100 AS BIGINT) AS ksef_net_amount,
       CAST(ksef_gross_amount AS VARCHAR) AS ksef_gross_text,
       CAST(ksef_net_amount AS VARCHAR) AS ksef_net_text,
       ksef_currency, ksef_invoice_hash, ksef_hash_of_corrected_invoice,
       COALESCE(ksef_invoice_hash, upo_invoice_hash) AS ksef_hash,
       ksef_records, upo_ksef_number, upo_invoice_hash, archive_issue_date,
       CAST(archive_gross_amount * 100 AS BIGINT) AS archive_gross_amount,
       CAST(archive_gross_amount AS VARCHAR) AS archive_gross_text,
       archive_currency
FROM statuses
ORDER BY seller_nip, invoice_number
