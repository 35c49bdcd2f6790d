-- Matching, step 8: one row per invoice and what the sources say of it.
-- Contract section 4: every (seller NIP, invoice number) found in the
-- ledger, the offline log, KSeF metadata or a production UPO is one
-- invoice. Its P_1 (issue_date) is KSeF's issueDate, else the UPO's, the
-- offline log's, the ledger's. It is submitted at the earlier of KSeF's
-- invoicingDate and the UPO's DataPrzeslaniaDokumentu (section 3), on
-- that moment's date. Its mode is the log's; else offline24 for an
-- invoice of ours that KSeF or a UPO records as sent offline on its P_1
-- (OFFLINE_NOT_IN_LOG); else online for a ledger invoice. It requires
-- KSeF when it is in the offline log with a mode other than
-- total_failure, or in the ledger with no offline-log row unless it is
-- marked BFK, is an RO or WEW document, or was issued before its seller's
-- ksef_from; why it has no duty is named in words (no_duty_reason).
-- The KSeF number shown is KSeF's, else the UPO's, else the ledger's; the
-- amount and currency our books', else the log's, KSeF's, the archive's;
-- the VAT (for the 2027 penalty) our books', else KSeF's.
--
-- Reads: ledger_first, log_first, ksef_first, upo_first, archive_first
-- (steps 1-5), correction_links (step 6), sellers (listed: named in
-- `sellers`; ksef_from: a seller's own), params (ksef_from).
-- Gives: one row per invoice with deadline_mode, the mode its deadline is
-- set by (null where it requires no KSeF, but for total_failure).
--
-- Engine substitution (Spark SQL): each `CREATE TABLE name AS` below is run
-- as `CREATE OR REPLACE TEMPORARY VIEW name AS` (docs/scaling.md, "Matching
-- as SQL"); polars SQL runs it as written.

CREATE TABLE invoice_keys AS
SELECT seller_nip, invoice_number
FROM (
  SELECT seller_nip, invoice_number FROM ledger_first
  UNION ALL SELECT seller_nip, invoice_number FROM log_first
  UNION ALL SELECT seller_nip, invoice_number FROM ksef_first
  UNION ALL SELECT seller_nip, invoice_number FROM upo_first
) keys
GROUP BY seller_nip, invoice_number;

-- Every seller is ours when `sellers` names none.
CREATE TABLE seller_scope AS
SELECT COUNT(*) AS listed_sellers FROM sellers WHERE listed;

CREATE TABLE invoice_sources AS
SELECT k.seller_nip, k.invoice_number,
       COALESCE(l.in_ledger, FALSE) AS in_ledger,
       COALESCE(o.in_offline_log, FALSE) AS in_offline_log,
       COALESCE(m.in_ksef_metadata, FALSE) AS in_ksef_metadata,
       COALESCE(u.in_upo, FALSE) AS in_upo,
       (sc.listed_sellers = 0 OR COALESCE(s.listed, FALSE)) AS is_our_seller,
       COALESCE(s.ksef_from, p.ksef_from) AS seller_ksef_from,
       l.ledger_issue_date, l.ledger_gross_amount, l.ledger_vat_amount,
       l.ledger_currency, l.ledger_ksef_number, l.ledger_ksef_marker,
       l.ledger_document_type,
       o.log_issue_date, o.log_mode, o.decision_id, o.owner,
       o.log_gross_amount, o.log_currency,
       m.meta_ksef_number, m.ksef_issue_date, m.meta_submitted_at,
       m.ksef_gross_amount, m.ksef_vat_amount, m.ksef_currency,
       m.meta_invoicing_mode,
       u.upo_ksef_number, u.upo_issue_date, u.upo_submitted_at,
       u.upo_sending_mode, u.upo_file,
       a.archive_file, a.archive_hash, a.kod1_url,
       a.archive_gross_amount, a.archive_currency,
       cx.corrects, cx.corrected_by,
       l.ledger_net_amount, l.ledger_in_return, l.ledger_rows,
       o.log_issued_at AS issued_at, o.issued_by, o.issued_by_key,
       o.log_invoice_hash,
       m.ksef_net_amount, m.ksef_invoice_hash,
       m.ksef_hash_of_corrected_invoice, m.ksef_records,
       u.upo_invoice_hash,
       a.archive_file IS NOT NULL AS in_archive, a.archive_issue_date
FROM invoice_keys k
LEFT JOIN ledger_first l
  ON k.seller_nip = l.seller_nip AND k.invoice_number = l.invoice_number
LEFT JOIN log_first o
  ON k.seller_nip = o.seller_nip AND k.invoice_number = o.invoice_number
LEFT JOIN ksef_first m
  ON k.seller_nip = m.seller_nip AND k.invoice_number = m.invoice_number
LEFT JOIN upo_first u
  ON k.seller_nip = u.seller_nip AND k.invoice_number = u.invoice_number
LEFT JOIN archive_first a
  ON k.seller_nip = a.seller_nip AND k.invoice_number = a.invoice_number
LEFT JOIN correction_links cx
  ON k.seller_nip = cx.seller_nip AND k.invoice_number = cx.invoice_number
LEFT JOIN sellers s ON k.seller_nip = s.seller_nip
CROSS JOIN seller_scope sc
CROSS JOIN params p;

CREATE TABLE invoice_combined AS
SELECT *,
       (in_ksef_metadata OR in_upo) AS in_ksef,
       CASE WHEN upo_submitted_at IS NULL THEN meta_submitted_at
            WHEN meta_submitted_at IS NULL THEN upo_submitted_at
            WHEN meta_submitted_at <= upo_submitted_at THEN meta_submitted_at
            ELSE upo_submitted_at END AS submitted_at,
       COALESCE(ksef_issue_date, upo_issue_date, log_issue_date,
                ledger_issue_date) AS issue_date,
       (COALESCE(meta_invoicing_mode IN ('Offline', 'offline', 'OFFLINE'),
                 FALSE)
        OR COALESCE(upo_sending_mode IN ('Offline', 'offline', 'OFFLINE'),
                    FALSE))
         AS sent_offline,
       COALESCE(meta_ksef_number, upo_ksef_number, ledger_ksef_number)
         AS ksef_number,
       COALESCE(ledger_gross_amount, log_gross_amount, ksef_gross_amount,
                archive_gross_amount) AS gross_amount,
       COALESCE(ledger_currency, log_currency, ksef_currency,
                archive_currency) AS currency,
       COALESCE(ledger_vat_amount, ksef_vat_amount) AS vat_amount
FROM invoice_sources;

CREATE TABLE invoice_offline AS
SELECT *,
       CAST(submitted_at AS DATE) AS submitted_on,
       (NOT in_offline_log AND is_our_seller AND sent_offline
        AND COALESCE(CAST(submitted_at AS DATE) = issue_date, FALSE))
         AS offline_not_in_log,
       COALESCE(ledger_ksef_marker = 'BFK', FALSE) AS marker_bfk,
       COALESCE(ledger_document_type IN ('RO', 'WEW'), FALSE) AS not_an_invoice,
       COALESCE(issue_date < seller_ksef_from, FALSE) AS before_ksef_from
FROM invoice_combined;

CREATE TABLE invoice_duty AS
SELECT *,
       CASE WHEN in_offline_log THEN log_mode
            WHEN offline_not_in_log THEN 'offline24'
            WHEN in_ledger THEN 'online' END AS mode,
       ((in_offline_log AND COALESCE(log_mode <> 'total_failure', TRUE))
        OR (in_ledger AND NOT in_offline_log
            AND NOT (marker_bfk OR not_an_invoice OR before_ksef_from)))
         AS requires_ksef
FROM invoice_offline;

SELECT seller_nip, invoice_number, issue_date, mode, decision_id, owner,
       in_ledger, in_offline_log, in_ksef, in_ksef_metadata, in_upo,
       ksef_number, submitted_at, submitted_on, gross_amount, currency,
       vat_amount,
       offline_not_in_log, requires_ksef,
       CASE WHEN requires_ksef OR COALESCE(mode = 'total_failure', FALSE)
            THEN mode END AS deadline_mode,
       CASE WHEN requires_ksef OR in_offline_log THEN NULL
            WHEN NOT in_ledger THEN 'not ours'
            WHEN marker_bfk THEN 'marker BFK'
            WHEN ledger_document_type = 'RO' THEN 'document type RO'
            WHEN ledger_document_type = 'WEW' THEN 'document type WEW'
            WHEN before_ksef_from THEN 'before ksef_from' END AS no_duty_reason,
       archive_file, archive_hash, kod1_url, upo_file, corrects, corrected_by,
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
FROM invoice_duty
