//! Integration tests: the `ksef-recon` binary on bundles in `fixtures/` and
//! on small bundles written by the tests themselves.

mod bad_input;
mod deadline_cmd;
mod demo;
mod dialect;
mod documents;
mod governance;
mod support;
