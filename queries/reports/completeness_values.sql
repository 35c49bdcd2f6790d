-- Gross value per scope and currency, for completeness.csv's
-- gross_by_currency (amounts in grosze; the report writes them as 0.00).
SELECT
    scope,
    scope_id,
    currency,
    SUM(gross_amount) AS gross_amount
FROM scoped
WHERE currency IS NOT NULL
GROUP BY scope, scope_id, currency
ORDER BY scope, scope_id, currency
