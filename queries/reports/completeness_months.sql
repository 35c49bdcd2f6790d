-- The invoices the month scopes of completeness.csv read (contract section
-- 6): offline24 invoices, and online invoices sent after their issue date.
-- A run in parts keeps these of each range for the report; the decision
-- scopes read the offline log's invoices, which its home part holds whole.
SELECT *
FROM invoices
WHERE mode = 'offline24'
   OR (mode = 'online' AND submitted_on > issue_date);
