-- ARCHIVE_MISSING (medium)
-- Contract: `archive/` given, an offline-log invoice has no archived FA(3)
-- file. Files are matched on (seller NIP, P_2); where a file with the
-- invoice's logged hash exists under another number, the detail names it.
CREATE TABLE archive_by_hash AS
SELECT archive_hash, MIN(archive_file) AS archive_file, MIN(invoice_number) AS archived_number
FROM archive
GROUP BY archive_hash;

SELECT
    'ARCHIVE_MISSING' AS code,
    i.seller_nip,
    i.invoice_number,
    CASE
        WHEN h.archive_file IS NULL THEN 'no FA(3) file for this offline invoice in archive/'
        ELSE 'no FA(3) file numbered ' || i.invoice_number || '; ' || h.archive_file
            || ' has its logged hash but P_2 ' || h.archived_number
    END AS detail
FROM invoices AS i
LEFT JOIN archive_by_hash AS h ON i.log_invoice_hash = h.archive_hash
WHERE i.in_offline_log
  AND NOT i.in_archive
