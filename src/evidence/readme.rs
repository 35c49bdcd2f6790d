//! The pack's `README.txt`: what the pack holds, what each file proves and
//! how an auditor verifies it, with the scope, as-of date, tool version and
//! input fingerprint filled in, in the configured language.

use super::options::EvidenceOptions;
use super::scope::Scope;
use crate::lang::fill;
use crate::report::run_json::RunJson;

/// The README of a pack built for `options` from `run`.
pub fn readme(options: &EvidenceOptions, run: &RunJson) -> String {
    let lang = options.config.language;
    let t = lang.texts();
    let scope = match &options.scope {
        Scope::Decision(id) => fill(t.r_scope_decision, &[id]),
        Scope::Month(m) => fill(t.r_scope_month, &[m, m]),
    };
    fill(
        t.readme,
        &[
            &scope,
            &lang.date(&run.as_of),
            run.version,
            &run.input_fingerprint,
        ],
    )
}
