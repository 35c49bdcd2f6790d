//! Runs the auditor-readable SQL in `queries/` with polars SQL. The tables
//! a query reads are registered by `rules::Queries`.
//!
//! The files are compiled into the binary (`include_str!`), so what an
//! auditor reads in the repository is exactly what ran. A file may hold
//! several statements separated by `;` at the end of a line; earlier ones
//! build helper tables with `CREATE TABLE ... AS`, the last one is the result.

use polars::prelude::*;
use polars::sql::SQLContext;

/// Executes every statement of `script` and returns the last one's result.
/// `name` is the file name, for error messages.
pub fn run_script(ctx: &mut SQLContext, name: &str, script: &str) -> PolarsResult<LazyFrame> {
    let mut last = None;
    for statement in statements(script) {
        let lf = ctx
            .execute(&statement)
            .map_err(|e| PolarsError::ComputeError(format!("queries/{name}: {e}").into()))?;
        last = Some(lf);
    }
    last.ok_or_else(|| {
        PolarsError::ComputeError(format!("queries/{name} holds no statement").into())
    })
}

/// Splits a script on `;` at line ends, dropping `--` comment lines.
fn statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in script.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("--") {
            continue;
        }
        let (body, ends) = match trimmed.strip_suffix(';') {
            Some(b) => (b, true),
            None => (line, false),
        };
        current.push_str(body);
        current.push('\n');
        if ends {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_split_on_line_end_semicolons() {
        let s = "-- note; not a statement\nCREATE TABLE a AS\nSELECT 1;\nSELECT 'x;y' FROM a\n";
        let parts = statements(s);
        assert_eq!(parts.len(), 2);
        assert!(parts[0].contains("CREATE TABLE a AS"));
        assert!(parts[1].contains("'x;y'"));
    }
}
