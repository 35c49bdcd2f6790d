-- ACCESS_OUTSIDE_GRANT (high)
-- Contract: an offline invoice issued by a user with no grant covering
-- `issued_at` (when grants are given). A grant covers valid_from <= issued_at
-- <= valid_to, to the second; users compared trimmed and case-insensitively.
CREATE TABLE grant_covered AS
SELECT DISTINCT i.seller_nip, i.invoice_number, TRUE AS covered
FROM invoices AS i
INNER JOIN grants AS g ON i.issued_by_key = g.user_key
WHERE i.in_offline_log
  AND g.valid_from <= i.issued_at
  AND i.issued_at <= g.valid_to;

SELECT
    'ACCESS_OUTSIDE_GRANT' AS code,
    i.seller_nip,
    i.invoice_number,
    i.issued_by AS "user",
    'issued ' || STRFTIME(i.issued_at, '%Y-%m-%d %H:%M:%S') || ' by ' || i.issued_by
        || ', who held no emergency access grant at that moment' AS detail
FROM invoices AS i
LEFT JOIN grant_covered AS c
    ON i.seller_nip = c.seller_nip AND i.invoice_number = c.invoice_number
WHERE i.in_offline_log
  AND c.covered IS NULL
