-- Matching, step 4: the UPO receipt compared for each invoice.
-- Contract section 4 (a UPO proves a submission only from production KSeF:
-- NazwaPodmiotuPrzyjmujacego "Ministerstwo Finansów"; a test or demo
-- receipt feeds nothing) and sections 2-3 (submitted on the Warsaw date of
-- DataPrzeslaniaDokumentu; a receipt of a submission after the as-of date
-- does not exist yet). Of several receipts of one invoice the earliest
-- submission is compared, then by file name, file and line.
--
-- Reads: upo, params (as_of).
-- Gives: one row per (seller_nip, invoice_number) a production UPO
-- confirms, its columns named upo_*.

SELECT seller_nip, invoice_number,
       TRUE AS in_upo,
       ksef_number AS upo_ksef_number,
       issue_date AS upo_issue_date,
       submitted_at AS upo_submitted_at,
       sending_mode AS upo_sending_mode,
       upo_file,
       invoice_hash AS upo_invoice_hash
FROM (
  SELECT u.seller_nip, u.invoice_number, u.ksef_number, u.issue_date,
         u.submitted_at, u.sending_mode, u.upo_file, u.invoice_hash,
         ROW_NUMBER() OVER (PARTITION BY u.seller_nip, u.invoice_number
                            ORDER BY u.submitted_at, u.upo_file,
                                     u._file, u._line) AS row_in_key
  FROM upo u
  CROSS JOIN params p
  WHERE u.receiver = 'Ministerstwo Finansów'
    AND CAST(u.submitted_at AS DATE) <= p.as_of
) ranked
WHERE row_in_key = 1
