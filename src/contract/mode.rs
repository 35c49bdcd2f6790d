//! The modes an invoice can be issued in and the categories of MF's outage
//! announcements, spelled as the inputs and outputs spell them.

/// How an invoice was issued, as far as the deadline is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Online,
    Offline24,
    Offline,
    Emergency,
    TotalFailure,
}

impl Mode {
    /// Every mode, in declaration order.
    pub const ALL: [Mode; 5] = [
        Mode::Online,
        Mode::Offline24,
        Mode::Offline,
        Mode::Emergency,
        Mode::TotalFailure,
    ];

    /// The wire/output spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Online => "online",
            Mode::Offline24 => "offline24",
            Mode::Offline => "offline",
            Mode::Emergency => "emergency",
            Mode::TotalFailure => "total_failure",
        }
    }

    /// Inverse of [`Mode::as_str`], tolerant of surrounding blanks and case (hand-kept logs).
    pub fn parse(s: &str) -> Option<Mode> {
        let s = s.trim();
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
    }
}

/// Announcement category of an outage, as the status service names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Maintenance,
    Failure,
    TotalFailure,
}

impl Category {
    /// The status service's spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Category::Maintenance => "MAINTENANCE",
            Category::Failure => "FAILURE",
            Category::TotalFailure => "TOTAL_FAILURE",
        }
    }

    /// Only the three category names (trimmed, any case); event kinds such as
    /// `FAILURE_START` are deliberately rejected so they cannot be mistaken for categories.
    pub fn parse(s: &str) -> Option<Category> {
        let s = s.trim();
        [
            Category::Maintenance,
            Category::Failure,
            Category::TotalFailure,
        ]
        .into_iter()
        .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }

    /// The announcement category that can justify an invoice issued in mode `m`.
    pub fn for_mode(m: Mode) -> Option<Category> {
        match m {
            Mode::Offline => Some(Category::Maintenance),
            Mode::Emergency => Some(Category::Failure),
            Mode::TotalFailure => Some(Category::TotalFailure),
            Mode::Online | Mode::Offline24 => None,
        }
    }
}
