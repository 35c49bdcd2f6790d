-- Matching, step 7: the offline period that sets each offline-log
-- invoice's deadline (contract section 3: for offline and emergency,
-- `end` is the end of the decision's linked announcement, else of the
-- decision; with no usable decision, of an announcement of the mode's
-- category covering issued_at).
--
-- Announcements and decisions exist once they start, up to the end of the
-- as-of day. Status-service messages sharing an eventId are one event
-- (earliest start, latest end; still on only when no message has an end);
-- a decision may link any message id of an event, or the event id. A
-- decision is the first row of its id, by file and line. It is usable for
-- an invoice when it is of the invoice's mode, started by issued_at and
-- not ended before it; its period ends where its linked event ends, else
-- where it ends itself. An offline or emergency invoice without a usable
-- decision takes the events of its mode's category (offline: MAINTENANCE,
-- emergency: FAILURE) covering issued_at: still on if one is, else the
-- latest end; the event named is one still on, else the latest-ending,
-- the lowest key among equals.
--
-- Reads: log_first (step 2), announcements, decisions, params (as_of_end).
-- Gives: per offline-log invoice, period_kind (ended, ongoing or null),
-- period_end (DATE), period_decision, period_event: the key's columns
-- deadline_keys is looked up by (what the driver's offline_periods holds).
--
-- Engine substitution (Spark SQL): each `CREATE TABLE name AS` below is run
-- as `CREATE OR REPLACE TEMPORARY VIEW name AS` (docs/scaling.md, "Matching
-- as SQL"); polars SQL runs it as written. `start` and `end` are always
-- written after a table's alias (`a.end`): unqualified, `end` is a keyword.

CREATE TABLE announcements_known AS
SELECT COALESCE(a.event_id, a.announcement_id) AS event_key,
       a.announcement_id, a.event_id, a.category,
       a.start AS ev_start, a.end AS ev_end, a._file, a._line
FROM announcements a
CROSS JOIN params pa
WHERE a.start IS NULL OR a.start <= pa.as_of_end;

CREATE TABLE events AS
SELECT grp.event_key, cat.category, grp.ev_start, grp.ev_end
FROM (
  SELECT event_key, MIN(ev_start) AS ev_start, MAX(ev_end) AS ev_end
  FROM announcements_known
  GROUP BY event_key
) grp
JOIN (
  SELECT event_key, category
  FROM (
    SELECT event_key, category,
           ROW_NUMBER() OVER (PARTITION BY event_key
                              ORDER BY _file, _line) AS row_in_event
    FROM announcements_known
  ) ranked
  WHERE row_in_event = 1
) cat ON grp.event_key = cat.event_key;

-- Which event each id a decision may link belongs to: a message's id, or
-- an event's own id (the message's link first where both are the same).
CREATE TABLE event_links AS
SELECT link_id, event_key
FROM (
  SELECT link_id, event_key,
         ROW_NUMBER() OVER (PARTITION BY link_id
                            ORDER BY by_event, _file, _line) AS row_in_link
  FROM (
    SELECT announcement_id AS link_id, event_key, 0 AS by_event, _file, _line
    FROM announcements_known
    UNION ALL
    SELECT event_id AS link_id, event_key, 1 AS by_event, _file, _line
    FROM announcements_known
    WHERE event_id IS NOT NULL
  ) links
) ranked
WHERE row_in_link = 1;

CREATE TABLE decision_periods AS
SELECT dec.decision_id, dec.mode AS decision_mode,
       dec.started_at AS decision_started_at,
       dec.ended_at AS decision_ended_at,
       lnk.event_key AS decision_linked_event,
       CAST(CASE WHEN lnk.event_key IS NOT NULL THEN evd.ev_end
                 ELSE dec.ended_at END AS DATE) AS decision_period_end,
       (CASE WHEN lnk.event_key IS NOT NULL THEN evd.ev_end
             ELSE dec.ended_at END) IS NULL AS decision_period_ongoing
FROM (
  SELECT decision_id, mode, started_at, ended_at, announcement_id,
         ROW_NUMBER() OVER (PARTITION BY decision_id
                            ORDER BY _file, _line) AS row_in_id
  FROM (
    SELECT dd.decision_id, dd.mode, dd.started_at, dd.ended_at,
           dd.announcement_id, dd._file, dd._line
    FROM decisions dd
    CROSS JOIN params pd
    WHERE dd.started_at IS NULL OR dd.started_at <= pd.as_of_end
  ) known
) dec
LEFT JOIN (
  SELECT el.link_id, el.event_key
  FROM event_links el
  JOIN events ee ON el.event_key = ee.event_key
) lnk ON dec.announcement_id = lnk.link_id
LEFT JOIN events evd ON lnk.event_key = evd.event_key
WHERE dec.row_in_id = 1;

CREATE TABLE log_decisions AS
SELECT lf.seller_nip, lf.invoice_number, lf.log_mode, lf.log_issued_at,
       lf.decision_id, dp.decision_period_end, dp.decision_period_ongoing,
       dp.decision_linked_event,
       COALESCE(dp.decision_mode = lf.log_mode
                AND dp.decision_started_at <= lf.log_issued_at
                AND (dp.decision_ended_at IS NULL
                     OR lf.log_issued_at <= dp.decision_ended_at),
                FALSE) AS decision_usable
FROM log_first lf
LEFT JOIN decision_periods dp ON lf.decision_id = dp.decision_id;

-- The events that cover an invoice no usable decision covers.
CREATE TABLE covering AS
SELECT ld.seller_nip, ld.invoice_number, ev.event_key, ev.ev_end
FROM log_decisions ld
CROSS JOIN events ev
WHERE NOT ld.decision_usable
  AND ld.log_mode IN ('offline', 'emergency')
  AND ev.category = CASE WHEN ld.log_mode = 'offline' THEN 'MAINTENANCE'
                         ELSE 'FAILURE' END
  AND ev.ev_start <= ld.log_issued_at
  AND (ev.ev_end IS NULL OR ld.log_issued_at <= ev.ev_end);

CREATE TABLE covering_span AS
SELECT seller_nip, invoice_number,
       MAX(CASE WHEN ev_end IS NULL THEN 1 ELSE 0 END) = 1 AS fallback_ongoing,
       MAX(ev_end) AS fallback_end_at
FROM covering
GROUP BY seller_nip, invoice_number;

-- The event named: the lowest key of those still on, else of those
-- ending last (a window ordering by end descending and key ascending is
-- written as two aggregates: polars SQL refuses mixed directions).
CREATE TABLE fallback AS
SELECT span.seller_nip, span.invoice_number, span.fallback_ongoing,
       CAST(span.fallback_end_at AS DATE) AS fallback_end,
       named.fallback_event
FROM covering_span span
JOIN (
  SELECT cov.seller_nip, cov.invoice_number,
         MIN(cov.event_key) AS fallback_event
  FROM covering cov
  JOIN covering_span cs
    ON cov.seller_nip = cs.seller_nip
   AND cov.invoice_number = cs.invoice_number
  WHERE (cs.fallback_ongoing AND cov.ev_end IS NULL)
     OR (NOT cs.fallback_ongoing AND cov.ev_end = cs.fallback_end_at)
  GROUP BY cov.seller_nip, cov.invoice_number
) named ON span.seller_nip = named.seller_nip
       AND span.invoice_number = named.invoice_number;

SELECT seller_nip, invoice_number,
       CASE WHEN usable_with_end THEN
              CASE WHEN decision_period_ongoing THEN 'ongoing' ELSE 'ended' END
            WHEN fallback_ongoing IS NOT NULL THEN
              CASE WHEN fallback_ongoing THEN 'ongoing' ELSE 'ended' END
       END AS period_kind,
       CASE WHEN usable_with_end THEN decision_period_end
            ELSE fallback_end END AS period_end,
       CASE WHEN usable_with_end THEN decision_id END AS period_decision,
       CASE WHEN usable_with_end THEN decision_linked_event
            WHEN fallback_ongoing IS NOT NULL THEN fallback_event
       END AS period_event
FROM (
  SELECT ld.seller_nip, ld.invoice_number, ld.decision_id,
         ld.decision_period_end, ld.decision_period_ongoing,
         ld.decision_linked_event,
         (ld.decision_usable AND ld.log_mode IN ('offline', 'emergency'))
           AS usable_with_end,
         fb.fallback_ongoing, fb.fallback_end, fb.fallback_event
  FROM log_decisions ld
  LEFT JOIN fallback fb
    ON ld.seller_nip = fb.seller_nip AND ld.invoice_number = fb.invoice_number
) chosen
