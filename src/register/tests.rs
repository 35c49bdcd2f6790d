use chrono::NaiveDate;
use polars::prelude::*;

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn exceptions(ids: &[&str]) -> DataFrame {
    let n = ids.len();
    let mut cols = vec![Column::new("exception_id".into(), ids.to_vec())];
    for (c, v) in [
        ("code", "LATE_SUBMISSION"),
        ("severity", "high"),
        ("seller_nip", "1"),
        ("invoice_number", "FV/1"),
        ("decision_id", ""),
        ("user", "a"),
    ] {
        cols.push(Column::new(c.into(), vec![v; n]));
    }
    DataFrame::new(n, cols).unwrap()
}

fn no_resolutions() -> DataFrame {
    let cols = [
        "exception_id",
        "status",
        "by",
        "at",
        "comment",
        "approved_by",
    ]
    .iter()
    .map(|c| Column::new_empty((*c).into(), &DataType::String))
    .collect();
    DataFrame::new(0, cols).unwrap()
}

fn empty() -> DataFrame {
    let cols = REGISTER_COLUMNS
        .iter()
        .map(|c| Column::new_empty((*c).into(), &DataType::String))
        .collect();
    DataFrame::new(0, cols).unwrap()
}

fn status(u: &Updated, id: &str) -> (String, String, String) {
    let r = &u.register;
    let i = r
        .column("exception_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .position(|x| x == Some(id))
        .unwrap();
    let get = |c: &str| {
        r.column(c)
            .unwrap()
            .str()
            .unwrap()
            .get(i)
            .unwrap_or("")
            .to_string()
    };
    (get("status"), get("first_seen"), get("cleared_on"))
}

#[test]
fn open_clear_reopen_and_idempotent_reruns() {
    let night1 = update(
        &empty(),
        &exceptions(&["A", "B"]),
        &no_resolutions(),
        d("2026-04-01"),
    )
    .unwrap();
    assert_eq!(
        status(&night1, "A"),
        ("open".into(), "2026-04-01".into(), "".into())
    );
    assert_eq!(night1.history.len(), 2);

    // B is gone on night 2: cleared that day. Re-running night 2 changes nothing.
    let night2 = update(
        &night1.register,
        &exceptions(&["A"]),
        &no_resolutions(),
        d("2026-04-02"),
    )
    .unwrap();
    assert_eq!(
        status(&night2, "B"),
        ("cleared".into(), "2026-04-01".into(), "2026-04-02".into())
    );
    let again = update(
        &night2.register,
        &exceptions(&["A"]),
        &no_resolutions(),
        d("2026-04-02"),
    )
    .unwrap();
    assert_eq!(again.register, night2.register);
    assert!(again.history.is_empty());

    // B comes back on night 3: reopened, first seen unchanged.
    let night3 = update(
        &night2.register,
        &exceptions(&["A", "B"]),
        &no_resolutions(),
        d("2026-04-03"),
    )
    .unwrap();
    assert_eq!(
        status(&night3, "B"),
        ("reopened".into(), "2026-04-01".into(), "".into())
    );
    let days: Vec<Option<&str>> = night3
        .exceptions
        .column("days_open")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(days, [Some("2"), Some("2")]);
}

#[test]
fn resolutions_apply_to_the_current_occurrence_only() {
    let res = DataFrame::new(
        1,
        vec![
            Column::new("exception_id".into(), ["A"]),
            Column::new("status".into(), ["resolved"]),
            Column::new("by".into(), ["b.lis"]),
            Column::new("at".into(), ["2026-04-01 12:00:00.000"]),
            Column::new("comment".into(), ["sent late, penalty booked"]),
            Column::new("approved_by".into(), ["m.kowalska"]),
        ],
    )
    .unwrap();
    let n1 = update(&empty(), &exceptions(&["A"]), &res, d("2026-04-01")).unwrap();
    assert_eq!(status(&n1, "A").0, "resolved");
    let n2 = update(
        &n1.register,
        &exceptions(&[]),
        &no_resolutions(),
        d("2026-04-02"),
    )
    .unwrap();
    assert_eq!(status(&n2, "A").0, "cleared");
    // Back on 04-03 with the old resolution still in the bundle: reopened.
    let n3 = update(&n2.register, &exceptions(&["A"]), &res, d("2026-04-03")).unwrap();
    assert_eq!(status(&n3, "A").0, "reopened");
}
