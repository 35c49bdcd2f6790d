//! The register's history as a hash chain (`history.csv`).
//!
//! Every row ends with `,HASH`: the hex SHA-256 of the previous row's hash
//! (as 64 hex characters; 64 zeros before the first row) followed by the
//! row's own bytes up to that last comma. Editing a row, deleting, inserting
//! or swapping rows breaks the hash of the first row touched; removing rows
//! from the end is caught by the head `register.csv` records (see
//! [`super::store`]). Anyone can recompute the hashes, so the chain proves
//! the trail was not changed *piecemeal*; it does not stop someone who
//! rewrites the whole folder, head included (docs/security.md says how to
//! pin the head elsewhere).
//!
//! This module is pure: bytes in, rows and hashes or the first break out.

use sha2::{Digest, Sha256};

use crate::documents::hash::hex;

/// The header of a chained `history.csv`.
pub const HEADER: &str = "as_of,exception_id,code,from,to,event,file,line,file_sha256,detail,hash";
/// The header `history.csv` had before v1.2 (no chain).
pub const LEGACY_HEADER: &str = "as_of,exception_id,code,from,to";
/// The hash before the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a history row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// An exception's status changed (`from` → `to`).
    Status,
    /// The register was made for the sellers in `to`.
    Created,
    /// A register made before v1.2 was bound to the sellers in `to`.
    Adopted,
    /// A seller joined the known ones (`from` → `to`, both NIP sets).
    SellerAdded,
    /// A history made before v1.2 was chained (once).
    Chained,
    /// Rows after the register's head, written by a run that stopped
    /// before it saved `register.csv`, were taken back.
    RolledBack,
    /// A resolution passed its checks (`to` is the status it asks for).
    ResolutionAccepted,
    /// A resolution was refused (`detail` says why).
    ResolutionRefused,
    /// A run as of `as_of` finished; `detail` holds what the trend needs
    /// and the status rows do not (see [`super::trend`]). Histories made
    /// before this event have none and still verify.
    Run,
}

impl Event {
    const ALL: [Event; 9] = [
        Event::Status,
        Event::Created,
        Event::Adopted,
        Event::SellerAdded,
        Event::Chained,
        Event::RolledBack,
        Event::ResolutionAccepted,
        Event::ResolutionRefused,
        Event::Run,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::Status => "status",
            Event::Created => "created",
            Event::Adopted => "adopted",
            Event::SellerAdded => "seller_added",
            Event::Chained => "chained",
            Event::RolledBack => "rolled_back",
            Event::ResolutionAccepted => "resolution_accepted",
            Event::ResolutionRefused => "resolution_refused",
            Event::Run => "run",
        }
    }

    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// Whether the row sets the register's sellers (its `to`).
    pub fn is_identity(self) -> bool {
        matches!(self, Event::Created | Event::Adopted | Event::SellerAdded)
    }
}

/// One row of `history.csv`, without its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub as_of: String,
    pub exception_id: String,
    pub code: String,
    pub from: String,
    pub to: String,
    pub event: Event,
    pub file: String,
    pub line: String,
    pub file_sha256: String,
    pub detail: String,
}

impl Row {
    /// A row with only its date and event set.
    pub fn new(as_of: &str, event: Event) -> Row {
        Row {
            as_of: as_of.to_string(),
            exception_id: String::new(),
            code: String::new(),
            from: String::new(),
            to: String::new(),
            event,
            file: String::new(),
            line: String::new(),
            file_sha256: String::new(),
            detail: String::new(),
        }
    }

    /// The row's bytes as written before `,HASH`: CSV fields (quoted when
    /// they hold a comma or a quote), each line break replaced by a space so
    /// that one row is one line of the file (what lets anyone check the
    /// chain line by line).
    pub fn content(&self) -> Vec<u8> {
        let fields = [
            self.as_of.as_str(),
            &self.exception_id,
            &self.code,
            &self.from,
            &self.to,
            self.event.as_str(),
            &self.file,
            &self.line,
            &self.file_sha256,
            &self.detail,
        ];
        let mut out = Vec::with_capacity(fields.iter().map(|f| f.len() + 1).sum());
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let quoted = field.contains([',', '"']);
            if quoted {
                out.push(b'"');
            }
            for b in field.bytes() {
                match b {
                    b'\r' | b'\n' => out.push(b' '),
                    b'"' => out.extend_from_slice(b"\"\""),
                    _ => out.push(b),
                }
            }
            if quoted {
                out.push(b'"');
            }
        }
        out
    }

    /// The fields of one row's bytes (without its hash). Written by hand
    /// rather than with a CSV reader per row: a reader's setup cost made a
    /// million-row history take 18 s to verify.
    fn parse(content: &[u8]) -> Result<Row, String> {
        let text = std::str::from_utf8(content).map_err(|_| "not UTF-8".to_string())?;
        let f = split_fields(text)?;
        if f.len() != 10 {
            return Err(format!("{} fields before the hash, expected 10", f.len()));
        }
        let event = Event::parse(&f[5]).ok_or_else(|| format!("unknown event '{}'", f[5]))?;
        let mut f = f.into_iter();
        let mut next = || f.next().unwrap_or_default();
        let (as_of, exception_id, code, from, to, _) =
            (next(), next(), next(), next(), next(), next());
        Ok(Row {
            as_of,
            exception_id,
            code,
            from,
            to,
            event,
            file: next(),
            line: next(),
            file_sha256: next(),
            detail: next(),
        })
    }
}

/// Splits one CSV line: fields separated by commas, a quoted field may hold
/// commas and doubled quotes.
fn split_fields(text: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::with_capacity(10);
    let mut rest = text;
    loop {
        let (field, after) = match rest.strip_prefix('"') {
            Some(quoted) => {
                let mut value = String::new();
                let mut chars = quoted.char_indices();
                let end = loop {
                    match chars.next() {
                        None => return Err("a quoted field is not closed".into()),
                        Some((i, '"')) if quoted[i + 1..].starts_with('"') => {
                            value.push('"');
                            chars.next();
                        }
                        Some((i, '"')) => break i + 1,
                        Some((_, c)) => value.push(c),
                    }
                };
                let after = &quoted[end..];
                if !(after.is_empty() || after.starts_with(',')) {
                    return Err("text after a closing quote".into());
                }
                (value, after)
            }
            None => {
                let end = rest.find(',').unwrap_or(rest.len());
                (rest[..end].to_string(), &rest[end..])
            }
        };
        fields.push(field);
        match after.strip_prefix(',') {
            Some(more) => rest = more,
            None => return Ok(fields),
        }
    }
}

/// The hash of a row that follows `previous`.
pub fn link(previous: &str, content: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(previous.as_bytes());
    h.update(content);
    hex(&h.finalize())
}

/// A verified chain: every row with its hash and its line's exact bytes.
#[derive(Debug, Default, Clone)]
pub struct Chain {
    pub rows: Vec<Row>,
    pub hashes: Vec<String>,
    /// Each row's line as found, newline included (kept byte for byte when
    /// the history is written again).
    pub lines: Vec<Vec<u8>>,
}

impl Chain {
    /// The hash of the last row, or [`GENESIS`] when there is none.
    pub fn head(&self) -> &str {
        self.hashes.last().map_or(GENESIS, String::as_str)
    }

    /// Appends a row, linking it to the current head.
    pub fn push(&mut self, row: Row) {
        let content = row.content();
        let hash = link(self.head(), &content);
        let mut line = content;
        line.push(b',');
        line.extend_from_slice(hash.as_bytes());
        line.push(b'\n');
        self.rows.push(row);
        self.hashes.push(hash);
        self.lines.push(line);
    }

    /// Keeps the first `n` rows.
    pub fn truncate(&mut self, n: usize) {
        self.rows.truncate(n);
        self.hashes.truncate(n);
        self.lines.truncate(n);
    }

    /// The file's bytes: header and every line.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.lines.iter().map(Vec::len).sum::<usize>() + 80);
        out.extend_from_slice(HEADER.as_bytes());
        out.push(b'\n');
        for line in &self.lines {
            out.extend_from_slice(line);
        }
        out
    }
}

/// Where and why a chain stops holding. `line` is the file's line (the
/// header is line 1), `row` the history row (the first row is row 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("history.csv line {line} (row {row}): {what}")]
pub struct Break {
    pub line: usize,
    pub row: usize,
    pub what: String,
}

/// Reads a chained `history.csv` and checks every link. The first row
/// whose hash does not follow from the row before it and its own bytes is
/// the break; so is a last line cut short.
pub fn verify(bytes: &[u8]) -> Result<Chain, Break> {
    let mut lines = bytes.split_inclusive(|b| *b == b'\n');
    let header = lines.next().unwrap_or_default();
    if trim_newline(header) != HEADER.as_bytes() {
        return Err(Break {
            line: 1,
            row: 0,
            what: format!(
                "the header is not `{HEADER}` (found `{}`)",
                String::from_utf8_lossy(trim_newline(header))
            ),
        });
    }
    let mut chain = Chain::default();
    for (i, line) in lines.enumerate() {
        let at = |what: String| Break {
            line: i + 2,
            row: i + 1,
            what,
        };
        if !line.ends_with(b"\n") {
            return Err(at(
                "the file ends in the middle of this line (truncated)".into()
            ));
        }
        let text = trim_newline(line);
        let (content, stored) = split_hash(text).ok_or_else(|| {
            at("it does not end with `,` and a 64-digit hex hash (edited or cut)".into())
        })?;
        let expected = link(chain.head(), content);
        if expected != stored {
            return Err(at(mismatch(&chain, content, stored)));
        }
        let row = Row::parse(content).map_err(at)?;
        chain.rows.push(row);
        chain.hashes.push(expected);
        chain.lines.push(line.to_vec());
    }
    Ok(chain)
}

/// What no longer matches at a broken link, as far as the bytes can tell.
fn mismatch(chain: &Chain, content: &[u8], stored: &str) -> String {
    let summary = Row::parse(content)
        .map(|r| {
            format!(
                " (as of {}, {}{})",
                r.as_of,
                r.event.as_str(),
                if r.exception_id.is_empty() {
                    String::new()
                } else {
                    format!(" {}", r.exception_id)
                }
            )
        })
        .unwrap_or_default();
    let previous = match chain.hashes.len() {
        0 => "the start of the chain".to_string(),
        n => format!("row {n}'s hash"),
    };
    format!(
        "its hash {stored} does not follow from {previous} and its own bytes{summary}: \
         this row was edited, or a row before it was deleted, inserted or moved"
    )
}

/// "row 5 was" or "rows 5-7 were", for messages about a run of rows.
pub fn rows_text(first: usize, last: usize, one: &str, many: &str) -> String {
    if first == last {
        format!("row {first} {one}")
    } else {
        format!("rows {first}-{last} {many}")
    }
}

fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Splits `content,HASH` at its last comma when HASH is 64 lower-case hex digits.
fn split_hash(text: &[u8]) -> Option<(&[u8], &str)> {
    let cut = text.len().checked_sub(65)?;
    let (content, tail) = text.split_at(cut);
    let hash = tail.strip_prefix(b",")?;
    let valid = hash
        .iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b));
    valid
        .then(|| std::str::from_utf8(hash).ok())
        .flatten()
        .map(|h| (content, h))
}

/// Rows of a history written before v1.2 (`as_of,exception_id,code,from,to`,
/// no hashes), as status rows to be chained.
pub fn read_legacy(bytes: &[u8]) -> Result<Vec<Row>, Break> {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Break {
            line: 1,
            row: 0,
            what: e.to_string(),
        })?
        .iter()
        .map(str::to_string)
        .collect();
    if header.join(",") != LEGACY_HEADER {
        return Err(Break {
            line: 1,
            row: 0,
            what: format!(
                "the header is neither `{HEADER}` nor the unchained `{LEGACY_HEADER}` (found `{}`)",
                header.join(",")
            ),
        });
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Break {
            line: i + 2,
            row: i + 1,
            what: e.to_string(),
        })?;
        let f = |c: usize| record.get(c).unwrap_or("").to_string();
        rows.push(Row {
            exception_id: f(1),
            code: f(2),
            from: f(3),
            to: f(4),
            ..Row::new(&f(0), Event::Status)
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut chain = Chain::default();
        for (id, to) in [("EX-1", "open"), ("EX-2", "open"), ("EX-1", "cleared")] {
            chain.push(Row {
                exception_id: id.into(),
                code: "LATE_SUBMISSION".into(),
                to: to.into(),
                ..Row::new("2026-04-01", Event::Status)
            });
        }
        chain.to_bytes()
    }

    fn lines(bytes: &[u8]) -> Vec<String> {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn join(lines: &[String]) -> Vec<u8> {
        let mut s = lines.join("\n");
        s.push('\n');
        s.into_bytes()
    }

    #[test]
    fn the_first_hash_is_over_64_zeros_and_the_rows_bytes() {
        let bytes = sample();
        let first = &lines(&bytes)[1];
        let (content, hash) = first.rsplit_once(',').unwrap();
        assert_eq!(content, "2026-04-01,EX-1,LATE_SUBMISSION,,open,status,,,,");
        let mut h = Sha256::new();
        h.update(GENESIS.as_bytes());
        h.update(content.as_bytes());
        assert_eq!(hash, hex(&h.finalize()));
        let chain = verify(&bytes).unwrap();
        assert_eq!(chain.rows.len(), 3);
        assert_eq!(chain.to_bytes(), bytes);
    }

    #[test]
    fn edits_deletions_swaps_and_cuts_break_the_chain_where_they_start() {
        let l = lines(&sample());
        let mut edited = l.clone();
        edited[2] = edited[2].replace("EX-2", "EX-9");
        assert_eq!(verify(&join(&edited)).unwrap_err().row, 2);
        let mut deleted = l.clone();
        deleted.remove(1);
        assert_eq!(verify(&join(&deleted)).unwrap_err().line, 2);
        let mut swapped = l.clone();
        swapped.swap(2, 3);
        let e = verify(&join(&swapped)).unwrap_err();
        assert_eq!((e.line, e.row), (3, 2));
        assert!(e.what.contains("does not follow from row 1's hash"), "{e}");
        let bytes = sample();
        let cut = verify(&bytes[..bytes.len() - 10]).unwrap_err();
        assert_eq!(cut.row, 3);
        assert!(cut.what.contains("truncated"), "{cut}");
    }

    #[test]
    fn line_breaks_in_a_field_stay_on_one_line() {
        let mut chain = Chain::default();
        chain.push(Row {
            detail: "refused:\r\nno approver, \"quoted\"".into(),
            ..Row::new("2026-04-01", Event::ResolutionRefused)
        });
        let bytes = chain.to_bytes();
        assert_eq!(lines(&bytes).len(), 2);
        let back = verify(&bytes).unwrap();
        assert_eq!(back.rows[0].detail, "refused:  no approver, \"quoted\"");
    }

    #[test]
    fn a_legacy_history_reads_as_status_rows() {
        let rows = read_legacy(
            b"as_of,exception_id,code,from,to\n2026-04-01,EX-1,LATE_SUBMISSION,,open\n",
        )
        .unwrap();
        assert_eq!(rows[0].to, "open");
        assert_eq!(rows[0].event, Event::Status);
        assert!(read_legacy(b"a,b\n").is_err());
    }
}
