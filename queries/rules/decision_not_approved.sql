-- DECISION_NOT_APPROVED (high)
-- Contract: a decision with no `approved_by`, or approved by whoever
-- declared it (names compared trimmed and case-insensitively).
SELECT
    'DECISION_NOT_APPROVED' AS code,
    decision_id,
    declared_by AS "user",
    CASE
        WHEN approved_by IS NULL THEN 'declared by ' || declared_by || ', never approved'
        ELSE 'declared and approved by the same person (' || approved_by || ')'
    END AS detail
FROM decisions
WHERE approved_by IS NULL
   OR LOWER(TRIM(approved_by)) = LOWER(TRIM(declared_by))
