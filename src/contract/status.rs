//! An invoice's reconciliation status. Other modules name a status through
//! [`Status`] rather than spelling it, so adding one (as `unverified` was)
//! touches this list and the places that decide it, not every report.

/// An invoice's reconciliation status, in the order the outputs list them
/// (completeness.csv, the dashboard, the workbook, `run.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    SubmittedOnTime,
    SubmittedLate,
    /// Not yet: the deadline has not passed or is `open`.
    Pending,
    /// No submission found and the KSeF extract cannot prove there is
    /// none: neither pending nor overdue can be said.
    Unverified,
    Overdue,
    /// The invoice never required KSeF, or its duty lapsed and KSeF does
    /// not have it.
    NotRequired,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::SubmittedOnTime,
        Status::SubmittedLate,
        Status::Pending,
        Status::Unverified,
        Status::Overdue,
        Status::NotRequired,
    ];

    /// The status as `reconciliation.csv` writes it.
    pub fn as_str(self) -> &'static str {
        Status::NAMES[self as usize]
    }

    /// Every status's name as the outputs write it, in [`Status::ALL`]'s
    /// order.
    pub const NAMES: [&'static str; 6] = [
        "submitted_on_time",
        "submitted_late",
        "pending",
        "unverified",
        "overdue",
        "not_required",
    ];

    /// The status a name of [`Status::NAMES`] stands for.
    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Its place in [`Status::ALL`] (the code a polars expression picks
    /// before the names are set once, see `matching::with_status`).
    pub fn code(self) -> u8 {
        self as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_order_of_all() {
        for (i, s) in Status::ALL.iter().enumerate() {
            assert_eq!(Status::NAMES[i], s.as_str());
            assert_eq!(s.code() as usize, i);
            assert_eq!(Status::parse(s.as_str()), Some(*s));
        }
    }
}
