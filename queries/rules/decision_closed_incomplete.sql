-- DECISION_CLOSED_INCOMPLETE (high)
-- Contract: a decision closed (`closed_at`, else its `close_decision`
-- activity) by as-of, at a moment when one of its invoices that requires
-- KSeF, and whose duty has not lapsed, had no submission yet.
-- `closed_effective_at`/`_by` are the decision's own close, else the earliest
-- close_decision activity; `submitted_at` is KSeF's invoicingDate (Warsaw).
-- A finding that rests on a missing KSeF record needs an extract that
-- proves the absence (contract section 4).
CREATE TABLE closed_unsent AS
SELECT
    d.decision_id,
    d.closed_effective_by,
    d.closed_effective_at,
    COUNT(*) AS unsent,
    STRING_AGG(i.invoice_number, ', ' ORDER BY i.invoice_number) AS numbers
FROM decisions AS d
INNER JOIN invoices AS i ON i.decision_id = d.decision_id
CROSS JOIN params AS p
WHERE d.closed_effective_at IS NOT NULL
  AND d.closed_effective_at <= p.as_of_end
  AND i.requires_ksef
  AND (i.deadline_kind IS NULL OR i.deadline_kind <> 'lapsed')
  AND (
    i.submitted_at > d.closed_effective_at
    -- Never submitted: only where the KSeF extract proves it (an
    -- `unverified` invoice may well be in KSeF).
    OR (i.submitted_at IS NULL AND i.status <> 'unverified')
  )
GROUP BY d.decision_id, d.closed_effective_by, d.closed_effective_at;

SELECT
    'DECISION_CLOSED_INCOMPLETE' AS code,
    decision_id,
    closed_effective_by AS "user",
    'closed ' || STRFTIME(closed_effective_at, '%Y-%m-%d %H:%M') || ' by '
        || COALESCE(closed_effective_by, '(unknown)') || ' while '
        || CAST(unsent AS VARCHAR) || ' of its invoices had no KSeF submission: '
        || numbers AS detail
FROM closed_unsent
