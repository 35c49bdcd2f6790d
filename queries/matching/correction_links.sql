-- Matching, step 6: what each archived correction corrects, and what
-- corrects each invoice (reconciliation.csv's `corrects` and
-- `corrected_by`; docs/outputs.md). A correction is an archived FA(3)
-- file (the first of its key, by file and line, issued by the as-of date)
-- of RodzajFaktury KOR, KOR_ZAL or KOR_ROZ; its corrected invoices'
-- numbers (DaneFaKorygowanej, same seller) are one text, items separated
-- by the character U+001F (the invisible character between the quotes
-- below). A number cited twice by one correction counts once, at its
-- first place. `corrects` is the numbers in the correction's order,
-- `corrected_by` the numbers of the corrections of an invoice, sorted,
-- each joined with spaces.
--
-- Reads: archive, calendar (its rows number the items: a correction may
-- list as many invoices as the calendar has days, at least 365), params
-- (as_of).
-- Gives: per invoice that corrects or is corrected, `corrects` and
-- `corrected_by` (null where none).
--
-- Engine substitutions (Spark SQL): each `CREATE TABLE name AS` below is
-- run as `CREATE OR REPLACE TEMPORARY VIEW name AS`; and the ordered text
-- aggregate `ARRAY_TO_STRING(ARRAY_AGG(x ORDER BY y), ' ')` (polars SQL)
-- as `LISTAGG(x, ' ') WITHIN GROUP (ORDER BY y)` (Spark 4): the two
-- engines share no form for it (docs/scaling.md, "Matching as SQL").

CREATE TABLE correction_lists AS
SELECT seller_nip, invoice_number, corrected_numbers,
       LENGTH(corrected_numbers)
         - LENGTH(REPLACE(corrected_numbers, '', '')) + 1 AS items
FROM (
  SELECT ar.seller_nip, ar.invoice_number, ar.invoice_type,
         ar.corrected_numbers,
         ROW_NUMBER() OVER (PARTITION BY ar.seller_nip, ar.invoice_number
                            ORDER BY ar._file, ar._line) AS row_in_key
  FROM archive ar
  CROSS JOIN params pk
  WHERE ar.issue_date IS NULL OR ar.issue_date <= pk.as_of
) ranked
WHERE row_in_key = 1
  AND invoice_type IN ('KOR', 'KOR_ZAL', 'KOR_ROZ')
  AND corrected_numbers IS NOT NULL;

CREATE TABLE list_places AS
SELECT ROW_NUMBER() OVER (ORDER BY cl.date) AS place
FROM calendar cl;

-- One row per (correction, corrected number), at its first place.
CREATE TABLE correction_refs AS
SELECT seller_nip, invoice_number, corrected_number, MIN(place) AS place
FROM (
  SELECT li.seller_nip, li.invoice_number,
         SPLIT_PART(li.corrected_numbers, '', pl.place) AS corrected_number,
         pl.place
  FROM correction_lists li
  CROSS JOIN list_places pl
  WHERE pl.place <= li.items
) items
GROUP BY seller_nip, invoice_number, corrected_number;

CREATE TABLE corrects AS
SELECT seller_nip, invoice_number,
       ARRAY_TO_STRING(ARRAY_AGG(corrected_number ORDER BY place), ' ')
         AS corrects
FROM correction_refs
GROUP BY seller_nip, invoice_number;

CREATE TABLE corrected_by AS
SELECT seller_nip, corrected_number AS invoice_number,
       ARRAY_TO_STRING(ARRAY_AGG(invoice_number ORDER BY invoice_number), ' ')
         AS corrected_by
FROM correction_refs
GROUP BY seller_nip, corrected_number;

SELECT ck.seller_nip, ck.invoice_number, co.corrects, cb.corrected_by
FROM (
  SELECT seller_nip, invoice_number
  FROM (
    SELECT seller_nip, invoice_number FROM corrects
    UNION ALL SELECT seller_nip, invoice_number FROM corrected_by
  ) both_sides
  GROUP BY seller_nip, invoice_number
) ck
LEFT JOIN corrects co
  ON ck.seller_nip = co.seller_nip AND ck.invoice_number = co.invoice_number
LEFT JOIN corrected_by cb
  ON ck.seller_nip = cb.seller_nip AND ck.invoice_number = cb.invoice_number
