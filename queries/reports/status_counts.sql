-- Invoices per reconciliation status, for run.json.
SELECT status, COUNT(*) AS invoices
FROM invoices
GROUP BY status
ORDER BY status
