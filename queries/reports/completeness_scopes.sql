-- The scopes of completeness.csv (contract section 6): every decision with
-- the invoices of its offline-log rows; every issue month of offline24
-- invoices; every issue month of online invoices sent after their issue
-- date (`month_scoped_invoices`: completeness_months.sql). One row per (scope, invoice); a decision without invoices keeps one
-- row with a null status, so it is still reported.
CREATE TABLE scoped AS
SELECT
    'decision' AS scope,
    d.decision_id AS scope_id,
    d.mode AS mode,
    i.status AS status,
    i.currency AS currency,
    i.gross_amount AS gross_amount
FROM decisions AS d
LEFT JOIN invoices AS i ON i.decision_id = d.decision_id
UNION ALL
SELECT
    'offline24_month' AS scope,
    STRFTIME(issue_date, '%Y-%m') AS scope_id,
    'offline24' AS mode,
    status,
    currency,
    gross_amount
FROM month_scoped_invoices
WHERE mode = 'offline24'
UNION ALL
SELECT
    'online_late_month' AS scope,
    STRFTIME(issue_date, '%Y-%m') AS scope_id,
    'online' AS mode,
    status,
    currency,
    gross_amount
FROM month_scoped_invoices
WHERE mode = 'online';
