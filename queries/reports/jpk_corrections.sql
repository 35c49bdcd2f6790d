-- jpk_corrections.csv: the worklist of VAT returns (JPK_V7) to correct.
-- One `period` entry per seller and period whose return must be corrected,
-- then one `row` entry per row to change in it: the invoice, the marker
-- filed, what the row must carry now, when KSeF numbered the invoice, and
-- the finding behind it. The rows are the JPK findings: MARKER_MISMATCH on
-- a return's row (its discriminator is the period) and JPK_CORRECTION_DUE.
-- What a row must carry: the KSeF number once KSeF numbered the invoice
-- (by the as-of date); before that `DI` for an offline24 or unavailability
-- invoice, `OFF` for an emergency one, `BFK` for a total-failure one; left
-- empty where the facts do not say (the finding's detail does).
CREATE TABLE jpk_fixes AS
SELECT
    f.exception_id,
    f.code,
    r.seller_nip,
    r.jpk_period AS period,
    r._file AS jpk_file,
    r.jpk_made_at,
    r.invoice_number,
    COALESCE(r.jpk_marker, CASE WHEN r.ksef_number IS NULL THEN 'none' END) AS marker_filed,
    CASE
        WHEN r.numbered_at IS NOT NULL THEN r.known_ksef_number
        WHEN r.log_mode IN ('offline24', 'offline') THEN 'DI'
        WHEN r.log_mode = 'emergency' THEN 'OFF'
        WHEN r.log_mode = 'total_failure' THEN 'BFK'
    END AS must_become,
    r.numbered_at
FROM findings AS f
JOIN jpk_rows AS r
  ON f.seller_nip = r.seller_nip
 AND f.invoice_number = r.invoice_number
 AND f.discriminator = r.jpk_period
WHERE f.code IN ('MARKER_MISMATCH', 'JPK_CORRECTION_DUE');

CREATE TABLE jpk_periods AS
SELECT seller_nip, period, jpk_file, jpk_made_at, COUNT(*) AS rows_to_change
FROM jpk_fixes
GROUP BY seller_nip, period, jpk_file, jpk_made_at;

SELECT
    entry, seller_nip, period, jpk_file, jpk_made_at, rows_to_change, invoice_number,
    marker_filed, must_become, ksef_numbered_at, code, exception_id
FROM (
    SELECT
        'period' AS entry,
        seller_nip,
        period,
        jpk_file,
        STRFTIME(jpk_made_at, '%Y-%m-%d %H:%M') AS jpk_made_at,
        CAST(rows_to_change AS VARCHAR) AS rows_to_change,
        CAST(NULL AS VARCHAR) AS invoice_number,
        CAST(NULL AS VARCHAR) AS marker_filed,
        CAST(NULL AS VARCHAR) AS must_become,
        CAST(NULL AS VARCHAR) AS ksef_numbered_at,
        CAST(NULL AS VARCHAR) AS code,
        CAST(NULL AS VARCHAR) AS exception_id,
        '' AS sort_invoice
    FROM jpk_periods
    UNION ALL
    SELECT
        'row' AS entry,
        seller_nip,
        period,
        jpk_file,
        STRFTIME(jpk_made_at, '%Y-%m-%d %H:%M') AS jpk_made_at,
        CAST(NULL AS VARCHAR) AS rows_to_change,
        invoice_number,
        marker_filed,
        must_become,
        STRFTIME(numbered_at, '%Y-%m-%d %H:%M') AS ksef_numbered_at,
        code,
        exception_id,
        invoice_number AS sort_invoice
    FROM jpk_fixes
) AS entries
ORDER BY seller_nip, period, entry, sort_invoice, code
