-- GRANT_NOT_REVIEWED (medium)
-- Contract: a grant that expired by `as-of` without a reviewer, or any grant
-- reviewed by its own user. One per grant (identified by user and validity).
SELECT
    'GRANT_NOT_REVIEWED' AS code,
    "user",
    CASE
        WHEN reviewed_by IS NULL THEN 'grant ' || STRFTIME(valid_from, '%Y-%m-%d %H:%M') || ' to '
            || STRFTIME(valid_to, '%Y-%m-%d %H:%M') || ' from ' || granted_by
            || ' expired without a review'
        ELSE 'grant ' || STRFTIME(valid_from, '%Y-%m-%d %H:%M') || ' to '
            || STRFTIME(valid_to, '%Y-%m-%d %H:%M') || ' was reviewed by its own user'
    END AS detail,
    STRFTIME(valid_from, '%Y-%m-%dT%H:%M:%S') || '/' || STRFTIME(valid_to, '%Y-%m-%dT%H:%M:%S') AS discriminator
FROM grants
CROSS JOIN params AS p
WHERE (reviewed_by IS NULL AND valid_to <= p.as_of_end)
   OR reviewed_by_key = user_key
