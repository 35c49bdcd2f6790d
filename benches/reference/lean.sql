-- A lean DuckDB reconciliation: what a user with a ledger CSV and a KSeF
-- metadata CSV export could write in an afternoon (benches/e2e.sh, issue 24).
--
-- Reads the two CSVs, joins them in full on (seller NIP, invoice number),
-- takes next(P_1) from a business-day calendar table `cal` (weekends and
-- Polish public holidays, made by run.py) as the online/offline24 deadline,
-- and writes one reconciliation row per invoice and the exceptions
-- OVERDUE_SUBMISSION, LATE_SUBMISSION, NOT_IN_LEDGER, ONLINE_SENT_LATE and
-- AMOUNT_MISMATCH. Nothing else: no offline log, decisions, announcements,
-- UPO, JSON pages, duplicates, hashes, KSeF duty dates, extract coverage,
-- value checks or rejected rows; outputs are not sorted.
--
-- Parameters are substituted by run.py: {bundle}, {out}, {as_of}, {seller}.
-- The table `cal (day DATE, next_business_day DATE)` exists beforehand.

SET TimeZone = 'Europe/Warsaw';

CREATE TABLE ledger AS
SELECT seller_nip, invoice_number, issue_date, currency, gross_amount AS gross
FROM read_csv('{bundle}/ledger/*.csv', header = true,
    types = {'seller_nip': 'VARCHAR', 'invoice_number': 'VARCHAR', 'issue_date': 'DATE',
             'currency': 'VARCHAR', 'gross_amount': 'DECIMAL(18,2)'});

-- The extract as it stood on the as-of date; submitted_on is the Warsaw date.
CREATE TABLE ksef AS
SELECT * FROM (
    SELECT seller_nip, invoice_number, issue_date, ksef_number,
           CAST(CAST(invoicing_date AS TIMESTAMPTZ) AS DATE) AS submitted_on,
           currency, gross_amount AS gross
    FROM read_csv('{bundle}/ksef/metadata/*.csv', header = true,
        types = {'seller_nip': 'VARCHAR', 'invoice_number': 'VARCHAR', 'issue_date': 'DATE',
                 'ksef_number': 'VARCHAR', 'invoicing_date': 'VARCHAR',
                 'currency': 'VARCHAR', 'gross_amount': 'DECIMAL(18,2)'}))
WHERE submitted_on <= DATE '{as_of}';

CREATE TABLE recon AS
SELECT coalesce(l.seller_nip, k.seller_nip) AS seller_nip,
       coalesce(l.invoice_number, k.invoice_number) AS invoice_number,
       coalesce(k.issue_date, l.issue_date) AS issue_date,
       k.ksef_number, k.submitted_on, c.next_business_day AS deadline,
       CASE WHEN l.invoice_number IS NULL THEN 'not_required'
            WHEN k.submitted_on IS NULL AND DATE '{as_of}' > c.next_business_day THEN 'overdue'
            WHEN k.submitted_on IS NULL THEN 'pending'
            WHEN k.submitted_on > c.next_business_day THEN 'submitted_late'
            ELSE 'submitted_on_time' END AS status,
       coalesce(l.gross, k.gross) AS gross, coalesce(l.currency, k.currency) AS currency,
       l.invoice_number IS NOT NULL AS in_ledger,
       l.gross AS ledger_gross, k.gross AS ksef_gross,
       l.currency AS ledger_currency, k.currency AS ksef_currency
FROM ledger l
FULL OUTER JOIN ksef k
  ON k.seller_nip = l.seller_nip AND k.invoice_number = l.invoice_number
LEFT JOIN cal c ON c.day = coalesce(k.issue_date, l.issue_date);

CREATE TABLE exceptions AS
SELECT 'OVERDUE_SUBMISSION' AS code, seller_nip, invoice_number, ksef_number, deadline, submitted_on
FROM recon WHERE status = 'overdue'
UNION ALL
SELECT 'LATE_SUBMISSION', seller_nip, invoice_number, ksef_number, deadline, submitted_on
FROM recon WHERE status = 'submitted_late'
UNION ALL
SELECT 'ONLINE_SENT_LATE', seller_nip, invoice_number, ksef_number, deadline, submitted_on
FROM recon WHERE in_ledger AND submitted_on > issue_date AND submitted_on <= deadline
UNION ALL
SELECT 'NOT_IN_LEDGER', seller_nip, invoice_number, ksef_number, deadline, submitted_on
FROM recon WHERE NOT in_ledger AND seller_nip IN ({seller})
UNION ALL
SELECT 'AMOUNT_MISMATCH', seller_nip, invoice_number, ksef_number, deadline, submitted_on
FROM recon WHERE in_ledger AND ksef_number IS NOT NULL
  AND (ledger_currency <> ksef_currency OR abs(ledger_gross - ksef_gross) > 0.01);

COPY (SELECT seller_nip, invoice_number, issue_date, ksef_number, submitted_on, deadline,
             status, gross, currency FROM recon)
  TO '{out}/reconciliation.csv' (HEADER);
COPY exceptions TO '{out}/exceptions.csv' (HEADER);
