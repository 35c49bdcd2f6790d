-- SOD_CONFLICT (high)
-- Contract: one per decision and user: someone who issued offline invoices
-- under a decision (log `issued_by` or `issue_offline_invoice` activity) also
-- approved or closed it, approved an exception on one of its invoices, or
-- changed master data between its start and end; declaring is no conflict.
-- Users are compared by `*_key`: trimmed and lower-cased. The approvals and
-- master-data changes per decision come from queries/shared/decision_activity.sql.
CREATE TABLE sod_issuers AS
SELECT decision_id, issued_by_key AS user_key
FROM offline_log
WHERE decision_id IS NOT NULL
UNION ALL
SELECT decision_id, user_key
FROM activity
WHERE action = 'issue_offline_invoice' AND decision_id IS NOT NULL;

CREATE TABLE sod_issuer_keys AS
SELECT decision_id, user_key, COUNT(*) AS issued
FROM sod_issuers
GROUP BY decision_id, user_key;

CREATE TABLE sod_duties AS
SELECT decision_id, approved_by_key AS user_key, approved_by AS user_name,
       'approved the decision' AS duty, approved_at AS at
FROM decisions
WHERE approved_by IS NOT NULL
UNION ALL
SELECT decision_id, closed_effective_by_key, closed_effective_by,
       'closed the decision', closed_effective_at
FROM decisions
WHERE closed_effective_by IS NOT NULL
UNION ALL
SELECT decision_id, user_key, "user",
       CASE WHEN action = 'approve_decision' THEN 'approved the decision (activity log)'
            ELSE 'closed the decision (activity log)' END,
       at
FROM activity
WHERE action IN ('approve_decision', 'close_decision') AND decision_id IS NOT NULL
UNION ALL
SELECT decision_id, user_key, "user", 'approved an exception on ' || object, at
FROM exception_approvals
UNION ALL
SELECT decision_id, user_key, "user", 'changed master data (' || COALESCE(object, '-') || ')', at
FROM master_data_changes;

CREATE TABLE sod_conflicts AS
SELECT
    t.decision_id,
    t.user_key,
    MIN(t.user_name) AS user_name,
    STRING_AGG(
        t.duty || CASE WHEN t.at IS NULL THEN '' ELSE ' ' || STRFTIME(t.at, '%Y-%m-%d %H:%M') END,
        '; ' ORDER BY t.at) AS duties
FROM sod_duties AS t
INNER JOIN sod_issuer_keys AS s ON t.decision_id = s.decision_id AND t.user_key = s.user_key
GROUP BY t.decision_id, t.user_key;

SELECT
    'SOD_CONFLICT' AS code,
    decision_id,
    user_name AS "user",
    'issued offline invoices under the decision and ' || duties AS detail,
    user_key AS discriminator
FROM sod_conflicts
