//! How long an open finding's invoice has been past its deadline, in the
//! ageing buckets of contract section 6: what `exceptions.csv` writes in
//! `ageing_bucket` and the Dashboard, the Ageing sheet and the HTML page
//! count by.

/// An ageing bucket of business days past the deadline, in the order the
/// outputs list them (youngest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bucket {
    /// Not past the deadline, or no dated deadline.
    NotDue,
    Days1To2,
    Days3To5,
    Days6To10,
    Days11To20,
    Over20,
}

impl Bucket {
    pub const ALL: [Bucket; 6] = [
        Bucket::NotDue,
        Bucket::Days1To2,
        Bucket::Days3To5,
        Bucket::Days6To10,
        Bucket::Days11To20,
        Bucket::Over20,
    ];

    /// Every bucket's label as the outputs write it, in [`Bucket::ALL`]'s
    /// order.
    pub const NAMES: [&'static str; 6] = ["not due", "1-2", "3-5", "6-10", "11-20", ">20"];

    /// The bucket of a number of business days past the deadline; none
    /// (no dated deadline) and 0 are not due.
    pub fn of_days(days: Option<u32>) -> Bucket {
        match days {
            None | Some(0) => Bucket::NotDue,
            Some(1..=2) => Bucket::Days1To2,
            Some(3..=5) => Bucket::Days3To5,
            Some(6..=10) => Bucket::Days6To10,
            Some(11..=20) => Bucket::Days11To20,
            Some(_) => Bucket::Over20,
        }
    }

    /// The label as `exceptions.csv` writes it.
    pub fn as_str(self) -> &'static str {
        Bucket::NAMES[self as usize]
    }

    /// Inverse of [`Bucket::as_str`].
    pub fn parse(s: &str) -> Option<Bucket> {
        Bucket::ALL.into_iter().find(|b| b.as_str() == s)
    }

    /// Its place in [`Bucket::ALL`] (the index of the summary's per-bucket
    /// arrays).
    pub fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_order_of_all() {
        for (i, b) in Bucket::ALL.iter().enumerate() {
            assert_eq!(Bucket::NAMES[i], b.as_str());
            assert_eq!(b.index(), i);
            assert_eq!(Bucket::parse(b.as_str()), Some(*b));
        }
    }

    #[test]
    fn days_fall_in_the_contracts_buckets() {
        for (days, label) in [
            (None, "not due"),
            (Some(0), "not due"),
            (Some(1), "1-2"),
            (Some(2), "1-2"),
            (Some(3), "3-5"),
            (Some(5), "3-5"),
            (Some(6), "6-10"),
            (Some(10), "6-10"),
            (Some(11), "11-20"),
            (Some(20), "11-20"),
            (Some(21), ">20"),
            (Some(400), ">20"),
        ] {
            assert_eq!(Bucket::of_days(days).as_str(), label, "{days:?}");
        }
    }
}
