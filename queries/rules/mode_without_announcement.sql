-- MODE_WITHOUT_ANNOUNCEMENT (high)
-- Contract: an `offline`/`emergency`/`total_failure` decision with no
-- announcement of its category (MAINTENANCE/FAILURE/TOTAL_FAILURE)
-- overlapping it. Periods overlap when each starts before the other ends;
-- a missing end means still on.
SELECT
    'MODE_WITHOUT_ANNOUNCEMENT' AS code,
    decision_id,
    declared_by AS "user",
    mode || ' decision from ' || STRFTIME(started_at, '%Y-%m-%d %H:%M')
        || ' has no ' || required_category || ' announcement overlapping it' AS detail
FROM decisions
WHERE required_category IS NOT NULL
  AND decision_id NOT IN (
        SELECT d.decision_id
        FROM decisions AS d
        CROSS JOIN events AS e
        WHERE e.category = d.required_category
          AND (d.ended_at IS NULL OR e.start <= d.ended_at)
          AND (e."end" IS NULL OR e."end" >= d.started_at)
  )
