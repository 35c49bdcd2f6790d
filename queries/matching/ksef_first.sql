-- Matching, step 3: KSeF's record compared for each invoice.
-- Contract section 2 (a KSeF record received after the as-of date does not
-- exist yet for the run) and section 3 (an invoice is submitted on the
-- Warsaw date of KSeF's invoicingDate). Of several records of one invoice
-- the earliest submission is compared (then the lowest KSeF number, then
-- file and line); a second number is DUPLICATE_IN_KSEF.
--
-- Reads: ksef_metadata, params (as_of).
-- Gives: one row per (seller_nip, invoice_number) KSeF holds, its columns
-- named meta_* / ksef_*.

SELECT seller_nip, invoice_number,
       TRUE AS in_ksef_metadata,
       ksef_number AS meta_ksef_number,
       issue_date AS ksef_issue_date,
       invoicing_date AS meta_submitted_at,
       gross_amount AS ksef_gross_amount,
       vat_amount AS ksef_vat_amount,
       currency AS ksef_currency,
       invoicing_mode AS meta_invoicing_mode,
       net_amount AS ksef_net_amount,
       invoice_hash AS ksef_invoice_hash,
       hash_of_corrected_invoice AS ksef_hash_of_corrected_invoice,
       ksef_records
FROM (
  SELECT k.seller_nip, k.invoice_number, k.ksef_number, k.issue_date,
         k.invoicing_date, k.gross_amount, k.vat_amount, k.currency,
         k.invoicing_mode, k.net_amount, k.invoice_hash,
         k.hash_of_corrected_invoice,
         COUNT(*) OVER (PARTITION BY k.seller_nip, k.invoice_number)
           AS ksef_records,
         ROW_NUMBER() OVER (PARTITION BY k.seller_nip, k.invoice_number
                            ORDER BY k.invoicing_date, k.ksef_number,
                                     k._file, k._line) AS row_in_key
  FROM ksef_metadata k
  CROSS JOIN params p
  WHERE CAST(k.invoicing_date AS DATE) <= p.as_of
) ranked
WHERE row_in_key = 1
