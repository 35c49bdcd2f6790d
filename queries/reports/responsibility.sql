-- responsibility.csv: the responsibility matrix of every decision, as an
-- auditor asks for it: who declared, approved and closed it, who issued its
-- invoices (with counts), who approved exceptions on them, who changed
-- master data while it was on, which emergency grants covered its invoices,
-- and a verdict: `conflict` when a segregation-of-duties finding
-- (SOD_CONFLICT) or a self-approval exists for it, else `ok`.
CREATE TABLE resp_issuer_counts AS
SELECT decision_id, issued_by_key, MIN(issued_by) AS issued_by, COUNT(*) AS issued
FROM offline_log
WHERE decision_id IS NOT NULL
GROUP BY decision_id, issued_by_key;

CREATE TABLE resp_issuers AS
SELECT decision_id, SUM(issued) AS invoices,
       STRING_AGG(issued_by || ' (' || CAST(issued AS VARCHAR) || ')', '; ' ORDER BY issued_by) AS issued_by
FROM resp_issuer_counts
GROUP BY decision_id;

CREATE TABLE resp_exception_approvals AS
SELECT DISTINCT decision_id, "user" AS approver
FROM exception_approvals;

CREATE TABLE resp_exceptions_approved AS
SELECT decision_id, STRING_AGG(approver, '; ' ORDER BY approver) AS exceptions_approved_by
FROM resp_exception_approvals
GROUP BY decision_id;

CREATE TABLE resp_master_data_users AS
SELECT DISTINCT decision_id, "user" AS changer
FROM master_data_changes;

CREATE TABLE resp_master_data AS
SELECT decision_id, STRING_AGG(changer, '; ' ORDER BY changer) AS master_data_changed_by
FROM resp_master_data_users
GROUP BY decision_id;

CREATE TABLE resp_grant_list AS
SELECT DISTINCT i.decision_id,
       g."user" || ' ' || STRFTIME(g.valid_from, '%Y-%m-%d %H:%M') || ' to '
           || STRFTIME(g.valid_to, '%Y-%m-%d %H:%M') AS grant_text
FROM invoices AS i
INNER JOIN grants AS g ON i.issued_by_key = g.user_key
WHERE i.in_offline_log
  AND i.decision_id IS NOT NULL
  AND g.valid_from <= i.issued_at
  AND i.issued_at <= g.valid_to;

CREATE TABLE resp_grants AS
SELECT decision_id, STRING_AGG(grant_text, '; ' ORDER BY grant_text) AS grants_used
FROM resp_grant_list
GROUP BY decision_id;

CREATE TABLE resp_findings AS
SELECT decision_id,
       COUNT(*) AS open_exceptions,
       SUM(CASE WHEN code = 'SOD_CONFLICT' THEN 1 ELSE 0 END) AS sod_conflicts
FROM findings
WHERE decision_id IS NOT NULL
GROUP BY decision_id;

SELECT
    d.decision_id,
    d.mode,
    STRFTIME(d.started_at, '%Y-%m-%d %H:%M') AS started_at,
    STRFTIME(d.ended_at, '%Y-%m-%d %H:%M') AS ended_at,
    d.declared_by,
    d.approved_by,
    STRFTIME(d.approved_at, '%Y-%m-%d %H:%M') AS approved_at,
    d.closed_effective_by AS closed_by,
    STRFTIME(d.closed_effective_at, '%Y-%m-%d %H:%M') AS closed_at,
    COALESCE(x.invoices, 0) AS invoices,
    x.issued_by,
    e.exceptions_approved_by,
    m.master_data_changed_by,
    g.grants_used,
    COALESCE(f.open_exceptions, 0) AS open_exceptions,
    CASE
        WHEN COALESCE(f.sod_conflicts, 0) > 0 OR d.approved_by_key = d.declared_by_key THEN 'conflict'
        ELSE 'ok'
    END AS verdict
FROM decisions AS d
LEFT JOIN resp_issuers AS x ON d.decision_id = x.decision_id
LEFT JOIN resp_exceptions_approved AS e ON d.decision_id = e.decision_id
LEFT JOIN resp_master_data AS m ON d.decision_id = m.decision_id
LEFT JOIN resp_grants AS g ON d.decision_id = g.decision_id
LEFT JOIN resp_findings AS f ON d.decision_id = f.decision_id
ORDER BY d.decision_id
