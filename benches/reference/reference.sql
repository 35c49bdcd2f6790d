-- DuckDB reference for the core matching of ksef-recon (benches/e2e.sh).
--
-- Same generated CSV/JSON files, same keys (seller NIP, invoice number,
-- trimmed), the four codes OVERDUE_SUBMISSION, LATE_SUBMISSION,
-- NOT_IN_LEDGER and AMOUNT_MISMATCH. Simplified on purpose (see
-- docs/performance.md): deadlines come from calendar.csv (next and add-7
-- business days, written by `ksef-recon generate` from our calendar) for the
-- offline24/online rule and the offline/emergency rule with the decision's
-- own end; no FAILURE stretching, no TOTAL_FAILURE lapse, no UPO receipts,
-- no technical corrections.
--
-- Parameters are substituted by run.py: {bundle}, {out}, {as_of}, {seller}.

SET TimeZone = 'Europe/Warsaw';

CREATE TABLE cal AS
SELECT * FROM read_csv('{bundle}/calendar.csv', header = true,
    columns = {'date': 'DATE', 'next_business_day': 'DATE', 'add7_business_days': 'DATE'});

CREATE TABLE ledger AS
SELECT trim(seller_nip) AS seller_nip, trim(invoice_number) AS invoice_number,
       issue_date, upper(trim(currency)) AS currency,
       CAST(round(gross_amount * 100) AS BIGINT) AS gross, CAST(round(net_amount * 100) AS BIGINT) AS net,
       upper(coalesce(ksef_marker, '')) AS marker,
       upper(coalesce(trim(document_type), '')) AS document_type
FROM read_csv('{bundle}/ledger/*.csv', header = true, all_varchar = false,
    types = {'seller_nip': 'VARCHAR', 'buyer_id': 'VARCHAR', 'ksef_marker': 'VARCHAR',
             'document_type': 'VARCHAR',
             'gross_amount': 'DECIMAL(18,2)', 'net_amount': 'DECIMAL(18,2)', 'vat_amount': 'DECIMAL(18,2)'});

CREATE TABLE log AS
SELECT trim(seller_nip) AS seller_nip, trim(invoice_number) AS invoice_number,
       issue_date, lower(trim(mode)) AS mode, decision_id
FROM read_csv('{bundle}/offline/log.csv', header = true,
    types = {'seller_nip': 'VARCHAR', 'decision_id': 'VARCHAR', 'issued_at': 'VARCHAR',
             'invoice_number': 'VARCHAR', 'issue_date': 'DATE', 'mode': 'VARCHAR'});

CREATE TABLE decisions AS
SELECT decision_id, CAST(CAST(ended_at AS TIMESTAMP) AS DATE) AS end_date
FROM read_csv('{bundle}/offline/decisions.csv', header = true, all_varchar = true);

-- KSeF metadata: the CSV export and the API's JSON pages.
CREATE TABLE ksef AS
SELECT trim(seller_nip) AS seller_nip, trim(invoice_number) AS invoice_number,
       CAST(issue_date AS DATE) AS issue_date,
       CAST(CAST(invoicing_date AS TIMESTAMPTZ) AS DATE) AS submitted_on,
       CAST(round(CAST(gross_amount AS DECIMAL(18,2)) * 100) AS BIGINT) AS gross,
       CAST(round(CAST(net_amount AS DECIMAL(18,2)) * 100) AS BIGINT) AS net,
       upper(currency) AS currency, ksef_number
FROM read_csv('{bundle}/ksef/metadata/*.csv', header = true, all_varchar = true)
UNION ALL
SELECT trim(inv.seller.nip), trim(inv.invoiceNumber), CAST(inv.issueDate AS DATE),
       CAST(CAST(inv.invoicingDate AS TIMESTAMPTZ) AS DATE),
       CAST(round(CAST(inv.grossAmount AS DECIMAL(18,2)) * 100) AS BIGINT),
       CAST(round(CAST(inv.netAmount AS DECIMAL(18,2)) * 100) AS BIGINT),
       upper(inv.currency), inv.ksefNumber
FROM (SELECT unnest(invoices) AS inv
      FROM read_json('{bundle}/ksef/metadata/*.json', format = 'auto', maximum_object_size = 1073741824));

CREATE TABLE ksef_known AS SELECT * FROM ksef WHERE submitted_on <= DATE '{as_of}';

CREATE TABLE invoices AS
WITH l AS (SELECT seller_nip, invoice_number, any_value(issue_date) AS issue_date,
                  any_value(currency) AS currency, any_value(gross) AS gross,
                  any_value(net) AS net, any_value(marker) AS marker,
                  any_value(document_type) AS document_type
           FROM ledger GROUP BY ALL),
     o AS (SELECT seller_nip, invoice_number, any_value(issue_date) AS issue_date,
                  any_value(mode) AS mode, any_value(decision_id) AS decision_id
           FROM log GROUP BY ALL),
     k AS (SELECT seller_nip, invoice_number, min(submitted_on) AS submitted_on,
                  arg_min(issue_date, submitted_on) AS issue_date,
                  arg_min(currency, submitted_on) AS currency,
                  arg_min(gross, submitted_on) AS gross, arg_min(net, submitted_on) AS net,
                  arg_min(ksef_number, submitted_on) AS ksef_number
           FROM ksef_known GROUP BY ALL),
     keys AS (SELECT seller_nip, invoice_number FROM l UNION SELECT seller_nip, invoice_number FROM o
              UNION SELECT seller_nip, invoice_number FROM k)
SELECT keys.seller_nip, keys.invoice_number,
       l.invoice_number IS NOT NULL AS in_ledger, o.invoice_number IS NOT NULL AS in_log,
       k.invoice_number IS NOT NULL AS in_ksef,
       coalesce(k.issue_date, o.issue_date, l.issue_date) AS p1,
       o.mode, d.end_date,
       CASE WHEN o.invoice_number IS NOT NULL THEN o.mode <> 'total_failure'
            ELSE l.invoice_number IS NOT NULL AND l.marker <> 'BFK'
                 AND l.document_type NOT IN ('RO', 'WEW') END AS requires_ksef,
       k.submitted_on, k.ksef_number,
       l.currency AS l_currency, l.gross AS l_gross, l.net AS l_net,
       k.currency AS k_currency, k.gross AS k_gross, k.net AS k_net
FROM keys
LEFT JOIN l USING (seller_nip, invoice_number)
LEFT JOIN o USING (seller_nip, invoice_number)
LEFT JOIN k USING (seller_nip, invoice_number)
LEFT JOIN decisions d ON d.decision_id = o.decision_id;

CREATE TABLE deadlines AS
SELECT i.*,
       CASE WHEN mode = 'offline' AND end_date IS NOT NULL THEN ce.next_business_day
            WHEN mode = 'emergency' AND end_date IS NOT NULL THEN ce.add7_business_days
            ELSE cp.next_business_day END AS deadline
FROM invoices i
LEFT JOIN cal cp ON cp.date = i.p1
LEFT JOIN cal ce ON ce.date = i.end_date;

CREATE TABLE exceptions AS
SELECT 'OVERDUE_SUBMISSION' AS code, seller_nip, invoice_number, deadline, submitted_on
FROM deadlines WHERE requires_ksef AND submitted_on IS NULL AND DATE '{as_of}' > deadline
UNION ALL
SELECT 'LATE_SUBMISSION', seller_nip, invoice_number, deadline, submitted_on
FROM deadlines WHERE requires_ksef AND submitted_on > deadline
UNION ALL
SELECT 'NOT_IN_LEDGER', seller_nip, invoice_number, deadline, submitted_on
FROM deadlines WHERE in_ksef AND NOT in_ledger AND seller_nip IN ({seller})
UNION ALL
SELECT 'AMOUNT_MISMATCH', seller_nip, invoice_number, deadline, submitted_on
FROM deadlines WHERE in_ledger AND in_ksef
  AND (l_currency <> k_currency OR abs(l_gross - k_gross) > 1 OR abs(l_net - k_net) > 1);

COPY (SELECT * FROM exceptions ORDER BY code, seller_nip, invoice_number)
  TO '{out}/exceptions.csv' (HEADER);
COPY (SELECT seller_nip, invoice_number, p1 AS issue_date, mode, in_ledger, in_log, in_ksef,
             ksef_number, submitted_on, deadline
      FROM deadlines ORDER BY seller_nip, invoice_number)
  TO '{out}/reconciliation.csv' (HEADER);
COPY (SELECT code, count(*) AS n FROM exceptions GROUP BY code ORDER BY code)
  TO '{out}/counts.csv' (HEADER);
