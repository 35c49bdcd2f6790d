//! `ksef-recon deadline`.

use crate::support::{Bundle, binary};

fn deadline(args: &[&str]) -> (i32, String, String) {
    let out = binary().arg("deadline").args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn official_worked_example() {
    let b = Bundle::new().file(
        "a.csv",
        "announcement_id,category,start,end\nK/2025/AWR/01,FAILURE,2025-07-09T09:00:00+02:00,2025-07-12T18:00:00+02:00\n",
    );
    let file = b.path().join("a.csv");
    let file = file.to_str().unwrap();
    let (code, out, err) = deadline(&[
        "--mode",
        "offline24",
        "--issue-date",
        "2025-07-08",
        "--announcements",
        file,
    ]);
    assert_eq!((code, out.as_str()), (0, "2025-07-22"), "{err}");
    let (_, out, _) = deadline(&["--mode", "offline24", "--issue-date", "2025-07-08"]);
    assert_eq!(out, "2025-07-09");
}

#[test]
fn status_service_json_and_every_answer_kind() {
    let b = Bundle::new().file(
        "status.json",
        r#"[{"id":"K/1","eventId":"E1","category":"FAILURE","type":"FAILURE_START","start":"2026-03-25T09:00:00Z","end":null},
            {"id":"K/2","eventId":"E1","category":"FAILURE","type":"FAILURE_END","start":"2026-03-25T09:00:00Z","end":"2026-03-27T15:00:00Z"},
            {"id":"K/3","eventId":"E2","category":"TOTAL_FAILURE","type":"FAILURE_START","start":"2026-05-04T09:00:00Z","end":null}]"#,
    );
    let file = b.path().join("status.json");
    let file = file.to_str().unwrap();
    // add(Fri 03-27, 7) skips Easter Monday 2026-04-06.
    let (_, out, err) = deadline(&[
        "--mode",
        "emergency",
        "--issue-date",
        "2026-03-26",
        "--announcements",
        file,
    ]);
    assert_eq!(out, "2026-04-08", "{err}");
    let (_, out, _) = deadline(&["--mode", "total_failure", "--issue-date", "2026-03-26"]);
    assert_eq!(out, "none");
    let (_, out, _) = deadline(&["--mode", "emergency", "--issue-date", "2026-04-20"]);
    assert_eq!(out, "open");
    // The total failure from 05-04 lapses the duty of an invoice due 05-04.
    let (_, out, _) = deadline(&[
        "--mode",
        "offline24",
        "--issue-date",
        "2026-04-30",
        "--announcements",
        file,
    ]);
    assert_eq!(out, "none");
    let (_, out, _) = deadline(&[
        "--mode",
        "offline",
        "--issue-date",
        "2026-03-20",
        "--period-end",
        "2026-03-20",
    ]);
    assert_eq!(out, "2026-03-23");
}

#[test]
fn bad_arguments_exit_2_and_a_bad_file_names_its_line() {
    let (code, _, err) = deadline(&["--mode", "offline48", "--issue-date", "2026-03-02"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown mode"), "{err}");
    let (code, _, _) = deadline(&["--mode", "offline24", "--issue-date", "2026-02-30"]);
    assert_eq!(code, 2);
    let b = Bundle::new().file(
        "a.csv",
        "announcement_id,category,start,end\nX,FAILURE,yesterday,\n",
    );
    let file = b.path().join("a.csv");
    let (code, _, err) = deadline(&[
        "--mode",
        "offline24",
        "--issue-date",
        "2026-03-02",
        "--announcements",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("a.csv line 2") && err.contains("start"),
        "{err}"
    );
}
