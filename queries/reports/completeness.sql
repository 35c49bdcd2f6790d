-- completeness.csv: counts by status per scope (see completeness_scopes.sql).
-- completeness_pct = submitted (on time or late) / invoices that require
-- KSeF, in per cent with one decimal; empty when none requires KSeF.
-- Unverified invoices (no submission found, absence not provable) stay in
-- the denominator: completeness is not claimed for them.
SELECT
    scope,
    scope_id,
    mode,
    SUM(CASE WHEN status IS NULL THEN 0 ELSE 1 END) AS invoices,
    SUM(CASE WHEN status = 'submitted_on_time' THEN 1 ELSE 0 END) AS submitted_on_time,
    SUM(CASE WHEN status = 'submitted_late' THEN 1 ELSE 0 END) AS submitted_late,
    SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending,
    SUM(CASE WHEN status = 'unverified' THEN 1 ELSE 0 END) AS unverified,
    SUM(CASE WHEN status = 'overdue' THEN 1 ELSE 0 END) AS overdue,
    SUM(CASE WHEN status = 'not_required' THEN 1 ELSE 0 END) AS not_required,
    CASE
        WHEN SUM(CASE WHEN status IS NULL OR status = 'not_required' THEN 0 ELSE 1 END) = 0 THEN NULL
        ELSE ROUND(
            100.0 * SUM(CASE WHEN status IN ('submitted_on_time', 'submitted_late') THEN 1 ELSE 0 END)
            / SUM(CASE WHEN status IS NULL OR status = 'not_required' THEN 0 ELSE 1 END),
            1)
    END AS completeness_pct
FROM scoped
GROUP BY scope, scope_id, mode
ORDER BY scope, scope_id
