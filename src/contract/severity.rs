//! How serious a finding is: what `--fail-on` compares and the outputs
//! sort by (high first).

/// A finding's severity, most serious first (the order `--fail-on`
/// thresholds and the outputs use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    High,
    Medium,
    Low,
}

impl Severity {
    /// Every severity, most serious first.
    pub const ALL: [Severity; 3] = [Severity::High, Severity::Medium, Severity::Low];

    /// Every severity's name as the outputs write it, in [`Severity::ALL`]'s
    /// order.
    pub const NAMES: [&'static str; 3] = ["high", "medium", "low"];

    pub fn as_str(self) -> &'static str {
        Severity::NAMES[self as usize]
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_order_of_all() {
        for (i, s) in Severity::ALL.iter().enumerate() {
            assert_eq!(Severity::NAMES[i], s.as_str());
            assert_eq!(Severity::parse(s.as_str()), Some(*s));
        }
        assert_eq!(Severity::parse("High"), None);
    }
}
