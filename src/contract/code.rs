//! The exception codes of contract section 5, as the outputs write them.

/// An exception code: what a finding is. Each is decided by one or more
/// files of `queries/rules/` (see `rules::RULES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    OverdueSubmission,
    LateSubmission,
    OnlineSentLate,
    NotInLedger,
    AmountMismatch,
    IssueDateMismatch,
    KsefNumberMismatch,
    InvalidKsefNumber,
    HashMismatch,
    DuplicateNumber,
    DuplicateInKsef,
    ModeOutsideDecision,
    ModeWithoutAnnouncement,
    DecisionNotApproved,
    BfkInKsef,
    ArchiveMissing,
    NumberingGap,
    DecisionClosedIncomplete,
    SodConflict,
    AccessOutsideGrant,
    GrantNotReviewed,
    OfflineNotInLog,
    KsefExtractIncomplete,
    UpoNotProduction,
    DuplicateKsefNumber,
    ArchiveOrphan,
    MarkerMismatch,
    JpkCorrectionDue,
    CorrectionBeforeOriginal,
    CorrectionReferenceWrong,
}

impl Code {
    /// Every code, in the order `run.json` lists them.
    pub const ALL: [Code; 30] = [
        Code::OverdueSubmission,
        Code::LateSubmission,
        Code::OnlineSentLate,
        Code::NotInLedger,
        Code::AmountMismatch,
        Code::IssueDateMismatch,
        Code::KsefNumberMismatch,
        Code::InvalidKsefNumber,
        Code::HashMismatch,
        Code::DuplicateNumber,
        Code::DuplicateInKsef,
        Code::ModeOutsideDecision,
        Code::ModeWithoutAnnouncement,
        Code::DecisionNotApproved,
        Code::BfkInKsef,
        Code::ArchiveMissing,
        Code::NumberingGap,
        Code::DecisionClosedIncomplete,
        Code::SodConflict,
        Code::AccessOutsideGrant,
        Code::GrantNotReviewed,
        Code::OfflineNotInLog,
        Code::KsefExtractIncomplete,
        Code::UpoNotProduction,
        Code::DuplicateKsefNumber,
        Code::ArchiveOrphan,
        Code::MarkerMismatch,
        Code::JpkCorrectionDue,
        Code::CorrectionBeforeOriginal,
        Code::CorrectionReferenceWrong,
    ];

    const NAMES: [&'static str; 30] = [
        "OVERDUE_SUBMISSION",
        "LATE_SUBMISSION",
        "ONLINE_SENT_LATE",
        "NOT_IN_LEDGER",
        "AMOUNT_MISMATCH",
        "ISSUE_DATE_MISMATCH",
        "KSEF_NUMBER_MISMATCH",
        "INVALID_KSEF_NUMBER",
        "HASH_MISMATCH",
        "DUPLICATE_NUMBER",
        "DUPLICATE_IN_KSEF",
        "MODE_OUTSIDE_DECISION",
        "MODE_WITHOUT_ANNOUNCEMENT",
        "DECISION_NOT_APPROVED",
        "BFK_IN_KSEF",
        "ARCHIVE_MISSING",
        "NUMBERING_GAP",
        "DECISION_CLOSED_INCOMPLETE",
        "SOD_CONFLICT",
        "ACCESS_OUTSIDE_GRANT",
        "GRANT_NOT_REVIEWED",
        "OFFLINE_NOT_IN_LOG",
        "KSEF_EXTRACT_INCOMPLETE",
        "UPO_NOT_PRODUCTION",
        "DUPLICATE_KSEF_NUMBER",
        "ARCHIVE_ORPHAN",
        "MARKER_MISMATCH",
        "JPK_CORRECTION_DUE",
        "CORRECTION_BEFORE_ORIGINAL",
        "CORRECTION_REFERENCE_WRONG",
    ];

    /// The code as exceptions.csv writes it.
    pub fn as_str(self) -> &'static str {
        Code::NAMES[self as usize]
    }

    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_order_of_all() {
        for (i, c) in Code::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
            assert_eq!(Code::parse(c.as_str()), Some(*c));
        }
    }
}
