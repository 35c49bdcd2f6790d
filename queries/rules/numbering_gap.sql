-- NUMBERING_GAP (medium)
-- Contract: a number missing inside an offline-log series (the number with
-- its last digit run as the sequence); one per missing number, written with
-- its neighbour's zero padding. `numbering_gaps` is built by
-- src/reconcile/numbering.rs: series per seller, prefix and suffix; a gap
-- wider than 1000 numbers is listed once with its size.
SELECT
    'NUMBERING_GAP' AS code,
    seller_nip,
    invoice_number,
    CASE
        WHEN listed THEN 'missing between ' || previous || ' and ' || next
        ELSE 'missing between ' || previous || ' and ' || next || ': '
            || CAST(gap_size AS VARCHAR) || ' numbers, reported once'
    END AS detail
FROM numbering_gaps
