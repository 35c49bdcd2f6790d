//! The exception register kept across runs (`--state DIR`): for every
//! `exception_id` ever found, when it was first and last seen, and its
//! status: `open`, `reopened`, `resolved`, `accepted_risk` or `cleared`.
//!
//! Transitions, applied once per run as of its date:
//! - found and new → `open`, first_seen = as-of;
//! - found, was `cleared` → `reopened`;
//! - found otherwise → status kept, last_seen = as-of;
//! - not found, was open, reopened, resolved or accepted_risk → `cleared`
//!   on the as-of date; not found and already cleared → kept;
//! - a valid resolution (see [`resolutions`]) dated on or after the
//!   finding's first_seen, or its reopening, sets `resolved`/`accepted_risk`.
//!
//! Running the same as-of again changes nothing: every transition depends
//! only on the previous state and this run's findings.
//!
//! The register belongs to one company, and its history is a hash chain
//! that every run verifies before it changes anything ([`chain`],
//! [`replay`], [`trail`]; contract section 8). Each run also records its
//! counts for the trend the dashboard draws ([`trend`]).

pub mod chain;
pub mod open;
pub mod replay;
pub mod resolutions;
pub mod session;
pub mod store;
pub mod trail;
pub mod trend;
pub mod update;

pub use open::{OPEN_STATUSES, open_by_severity, open_only};
pub use session::Session;
pub use store::{REGISTER_COLUMNS, State, Stored, Verified, verify};
pub use trail::{IdentityError, Trail};
pub use update::{Updated, last_as_of, update};

#[cfg(test)]
mod tests;
