-- MODE_OUTSIDE_DECISION (high)
-- Contract: offline-log `offline`/`emergency`/`total_failure` row whose
-- decision is missing, of another mode, or does not cover `issued_at`
-- (started_at <= issued_at <= ended_at; no ended_at: still on).
SELECT
    'MODE_OUTSIDE_DECISION' AS code,
    i.seller_nip,
    i.invoice_number,
    i.decision_id,
    CASE
        WHEN i.decision_id IS NULL THEN i.mode || ' invoice names no decision'
        WHEN d.declared_by IS NULL THEN 'decision ' || i.decision_id || ' does not exist'
        WHEN d.mode <> i.mode THEN 'decision ' || i.decision_id || ' is ' || d.mode
            || ', the invoice is ' || i.mode
        ELSE 'issued ' || STRFTIME(i.issued_at, '%Y-%m-%d %H:%M') || ', decision '
            || i.decision_id || ' covers ' || STRFTIME(d.started_at, '%Y-%m-%d %H:%M')
            || ' to ' || COALESCE(STRFTIME(d.ended_at, '%Y-%m-%d %H:%M'), 'now')
    END AS detail
FROM invoices AS i
LEFT JOIN decisions AS d ON i.decision_id = d.decision_id
WHERE i.in_offline_log
  AND i.mode IN ('offline', 'emergency', 'total_failure')
  AND (
        d.declared_by IS NULL
     OR d.mode <> i.mode
     OR i.issued_at < d.started_at
     OR (d.ended_at IS NOT NULL AND i.issued_at > d.ended_at)
  )
