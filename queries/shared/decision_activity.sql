-- Shared by the rules and reports (run once when the SQL context is built).
-- The access log's actions seen against each decision:
-- exception approvals on one of its invoices (the activity's object is the
-- invoice number), and master-data changes while it was on (started_at to
-- ended_at, inclusive; no end: up to the as-of date).
CREATE TABLE exception_approvals AS
SELECT i.decision_id, a.user_key, a."user", a.object, a.at
FROM activity AS a
INNER JOIN invoices AS i ON a.object = i.invoice_number
WHERE a.action = 'approve_exception' AND i.decision_id IS NOT NULL;

CREATE TABLE master_data_changes AS
SELECT d.decision_id, a.user_key, a."user", a.object, a.at
FROM activity AS a
CROSS JOIN decisions AS d
CROSS JOIN params AS p
WHERE a.action = 'change_master_data'
  AND a.at >= d.started_at
  AND a.at <= COALESCE(d.ended_at, p.as_of_end);
