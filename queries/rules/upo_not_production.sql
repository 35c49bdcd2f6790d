-- UPO_NOT_PRODUCTION (high)
-- Contract: a UPO receipt whose receiving party (NazwaPodmiotuPrzyjmujacego,
-- white space collapsed) is not production KSeF, `Ministerstwo Finansów`:
-- one per file. Its documents are read but prove nothing: no submission,
-- no KSeF number, no P_1, no offline mode.
SELECT
    'UPO_NOT_PRODUCTION' AS code,
    upo_file AS discriminator,
    upo_file || ': receipt issued by "' || COALESCE(receiver, '(no NazwaPodmiotuPrzyjmujacego)')
        || '", not by production KSeF (Ministerstwo Finansów); it proves no submission' AS detail
FROM upo_not_production
