//! The run of sales rows of a JPK_V7 file, read apart from the rest (see
//! `parse_jpk`): from the first row's start tag to the last row's end tag,
//! rows of the plain shape only,
//!
//! ```text
//! <P:SprzedazWiersz>
//!   <P:Name>text</P:Name> ...
//! </P:SprzedazWiersz> ...
//! ```
//!
//! with nothing but white space between them, where `P:` is the root
//! element's own prefix (declared on it) or none. A row's children are read
//! as the strict reader reads them: their text, references resolved,
//! trimmed. Anything else (an attribute, a comment, an empty or nested
//! element, text between elements, a carriage return, an unknown reference)
//! breaks the run: [`PlainRows::broken`] says so, what was read is to be
//! thrown away, and the whole file goes through the strict reader.
//!
//! The run is found before any row is read ([`locate`]), so the rest of the
//! file (its header) is read first and each row handed on as it is read,
//! never gathered: a register's rows are most of its bytes.

use std::borrow::Cow;

use super::sale::{JpkSale, Row};

const BOM: &str = "\u{feff}";

/// The run of rows read apart: its byte range in the file (from the first
/// row's `<` to just after the last row's end tag), the line breaks in it
/// and the line it starts on.
pub struct Run<'a> {
    pub start: usize,
    pub end: usize,
    pub breaks: u64,
    first_line: u64,
    prefix: &'a str,
    /// The file's text, up to the run's end.
    text: &'a str,
}

/// The run of rows of a file, if it has one and its root is `JPK` (in
/// UTF-8, with a declared prefix or none): nothing is read of it yet.
pub fn locate(bytes: &[u8]) -> Option<Run<'_>> {
    let text = simdutf8::basic::from_utf8(bytes).ok()?;
    let body = text.strip_prefix(BOM).unwrap_or(text);
    let offset = text.len() - body.len();
    let prefix = root_prefix(body)?;
    let open = format!("<{prefix}SprzedazWiersz>");
    let close = format!("</{prefix}SprzedazWiersz>");
    let start = offset + memchr::memmem::find(body.as_bytes(), open.as_bytes())?;
    let end = offset + memchr::memmem::rfind(body.as_bytes(), close.as_bytes())? + close.len();
    if end <= start {
        return None;
    }
    Some(Run {
        start,
        end,
        breaks: breaks(&text[start..end]),
        first_line: 1 + breaks(&text[..start]),
        prefix,
        text: &text[..end],
    })
}

/// The file with the run's bytes replaced by as many line breaks as they
/// held, so that what is left keeps its line numbers.
pub fn skeleton(bytes: &[u8], run: &Run<'_>) -> Vec<u8> {
    let breaks = run.breaks as usize;
    let mut out = Vec::with_capacity(bytes.len() - (run.end - run.start) + breaks);
    out.extend_from_slice(&bytes[..run.start]);
    out.resize(out.len() + breaks, b'\n');
    out.extend_from_slice(&bytes[run.end..]);
    out
}

/// Fewer bytes than any row of a run takes: `<SprzedazWiersz>`,
/// `</SprzedazWiersz>` and a `DowodSprzedazy` and `DataWystawienia` with
/// their values come to more than this.
const SMALLEST_ROW_BYTES: usize = 128;

/// The run's rows, read one by one as they are asked for.
pub struct PlainRows<'a> {
    text: &'a str,
    at: usize,
    end: usize,
    line: u64,
    prefix: &'a str,
    open: String,
    close: String,
    broken: bool,
    /// The row being read; each is read into it in turn (see
    /// [`Row::start`]).
    row: Row<'a>,
}

impl<'a> PlainRows<'a> {
    /// The rows of `run`, as `locate` found it.
    pub fn new(run: &Run<'a>) -> PlainRows<'a> {
        let prefix = run.prefix;
        PlainRows {
            text: run.text,
            at: run.start,
            end: run.end,
            line: run.first_line,
            prefix,
            open: format!("<{prefix}SprzedazWiersz>"),
            close: format!("</{prefix}SprzedazWiersz>"),
            broken: false,
            row: Row::new(run.first_line),
        }
    }

    /// About as many rows as the run can hold, or a few more: a row takes
    /// more than [`SMALLEST_ROW_BYTES`] (its start and end tags and the
    /// two elements it must have), so a reader can make room for them
    /// once.
    pub fn at_most(&self) -> usize {
        (self.end - self.at) / SMALLEST_ROW_BYTES + 1
    }

    /// Whether the run turned out not to be plainly shaped: the rows read
    /// are then not the file's, which the strict reader must read.
    pub fn broken(&self) -> bool {
        self.broken
    }

    /// Hands each row, checked, to `each` in file order, lent rather than
    /// moved (see [`Row::start`]), until the run's end or where it breaks.
    pub fn for_each_row(&mut self, mut each: impl FnMut(&JpkSale<'a>)) {
        while self.advance() {
            each(self.row.check());
        }
    }

    /// Reads the next row into `self.row`: `false` at the run's end or
    /// where it breaks (then [`PlainRows::broken`] says which).
    fn advance(&mut self) -> bool {
        if self.broken || self.at >= self.end {
            return false;
        }
        let read = self.read_row().is_some();
        // Anything but white space up to the run's end breaks it.
        self.broken |= !read && self.at < self.end;
        read
    }

    /// The next row into `self.row`, or `None` at the run's end or where
    /// it breaks.
    fn read_row(&mut self) -> Option<()> {
        let text = self.text;
        let bytes = text.as_bytes();
        let (gap, lines) = white(&bytes[self.at..]);
        self.line += lines;
        self.at += gap;
        if self.at >= self.end || !bytes[self.at..].starts_with(self.open.as_bytes()) {
            return None;
        }
        self.row.start(self.line);
        self.at += self.open.len();
        loop {
            let (gap, lines) = white(&bytes[self.at..]);
            self.line += lines;
            self.at += gap;
            // A child starts `<N`, the row's end `</`: the end tag is
            // compared only where it can be.
            if bytes.get(self.at + 1) == Some(&b'/')
                && bytes[self.at..].starts_with(self.close.as_bytes())
            {
                self.at += self.close.len();
                return Some(());
            }
            let (name, value, used, lines) = child(&text[self.at..], self.prefix)?;
            if let Some(slot) = self.row.field(name, &value) {
                self.row.keep(slot, value);
            }
            self.at += used;
            self.line += lines;
        }
    }
}

/// The rows one by one, each its own (a copy of the row lent by
/// [`PlainRows::for_each_row`], which a large register's reader uses).
impl<'a> Iterator for PlainRows<'a> {
    type Item = JpkSale<'a>;

    fn next(&mut self) -> Option<JpkSale<'a>> {
        self.advance().then(|| self.row.check().clone())
    }
}

/// The root element's prefix (`""` or `"tns:"`) when the root is `JPK` and
/// declares that prefix; `None` for anything else before it than an XML
/// declaration, comments and white space.
fn root_prefix(body: &str) -> Option<&str> {
    let mut rest = body;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("<?") {
            rest = &after[after.find("?>")? + 2..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else {
            break;
        }
    }
    let tag = &rest.strip_prefix('<')?[..rest.find('>')?.checked_sub(1)?];
    let name = tag.split(|c: char| c.is_ascii_whitespace()).next()?;
    let prefix = name.strip_suffix("JPK")?;
    match prefix.strip_suffix(':') {
        None if prefix.is_empty() => Some(prefix),
        Some(p) if is_name(p) && tag.contains(&format!("xmlns:{p}=")) => Some(prefix),
        _ => None,
    }
}

/// `raw` with the five predefined entities resolved; `None` for any other
/// reference (a character reference too), which the strict reader judges.
fn predefined(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.contains('&') {
        return Some(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (entity, text) = [
            ("&amp;", "&"),
            ("&lt;", "<"),
            ("&gt;", ">"),
            ("&quot;", "\""),
            ("&apos;", "'"),
        ]
        .into_iter()
        .find(|(entity, _)| rest.starts_with(entity))?;
        out.push_str(text);
        rest = &rest[entity.len()..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

fn is_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn breaks(text: &str) -> u64 {
    memchr::memchr_iter(b'\n', text.as_bytes()).count() as u64
}

/// White space between elements, which the strict reader passes over too:
/// its length and the line breaks in it.
fn white(bytes: &[u8]) -> (usize, u64) {
    let mut lines = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\n' => lines += 1,
            b' ' | b'\t' | b'\r' => {}
            _ => return (i, lines),
        }
    }
    (bytes.len(), lines)
}

/// One `<P:Name>text</P:Name>` at the start of `text`: its name and text,
/// the bytes it took and the line breaks in it. One pass, byte by byte, as
/// the rows are most of a register's bytes and their names and values a
/// few bytes each (shorter than a search call pays for): the name is
/// checked as it is scanned, the text looked at once, and only a value
/// with a reference, a `>` or a carriage return is looked at again.
fn child<'a>(text: &'a str, prefix: &str) -> Option<(&'a str, Cow<'a, str>, usize, u64)> {
    let bytes = text.as_bytes();
    let after_prefix = starts(bytes.strip_prefix(b"<")?, prefix.as_bytes())?;
    let name_start = 1 + prefix.len();
    let name_len = after_prefix
        .iter()
        .position(|b| BYTE[usize::from(*b)] != NAME)?;
    let tag_end = name_start + name_len;
    if name_len == 0 || bytes.get(tag_end) != Some(&b'>') {
        return None;
    }
    let name = &text[name_start..tag_end];
    let value_start = tag_end + 1;
    let (mut lines, mut special) = (0, false);
    let mut value_end = value_start;
    loop {
        match BYTE[usize::from(*bytes.get(value_end)?)] {
            NAME | PLAIN => {}
            LESS => break,
            NEWLINE => lines += 1,
            _ => special = true,
        }
        value_end += 1;
    }
    let raw = &text[value_start..value_end];
    let end = closing_tag(&bytes[value_end..], prefix, name)?;
    if special {
        if raw.contains("]]>") {
            return None;
        }
        let value = match predefined(raw)? {
            Cow::Borrowed(value) => Cow::Borrowed(value.trim()),
            Cow::Owned(value) => Cow::Owned(value.trim().to_string()),
        };
        // A line break inside a value is normalised by the strict reader.
        if value.contains('\r') {
            return None;
        }
        Some((name, value, value_end + end, lines))
    } else {
        Some((name, Cow::Borrowed(trim(raw)), value_end + end, lines))
    }
}

/// What a byte is to [`child`]: one table lookup per byte in its two scans
/// instead of a chain of comparisons.
const BYTE: [u8; 256] = {
    let mut table = [PLAIN; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            b'<' => LESS,
            b'\n' => NEWLINE,
            b'&' | b'>' | b'\r' => SPECIAL,
            _ if c.is_ascii_alphanumeric() || c == b'_' => NAME,
            _ => PLAIN,
        };
        b += 1;
    }
    table
};
/// Any other byte of a value.
const PLAIN: u8 = 0;
/// A byte of an element's name (`is_name`), also plain in a value.
const NAME: u8 = 1;
/// The end of a value.
const LESS: u8 = 2;
const NEWLINE: u8 = 3;
/// `&`, `>` or a carriage return: the value is looked at again.
const SPECIAL: u8 = 4;

/// `raw.trim()`, without its Unicode tables for the common value that
/// starts and ends with a visible ASCII character.
fn trim(raw: &str) -> &str {
    let plain = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    let bytes = raw.as_bytes();
    if plain(bytes.first()) && plain(bytes.last()) {
        raw
    } else {
        raw.trim()
    }
}

/// The length of `</P:Name>` at the start of `bytes`, if it is there.
fn closing_tag(bytes: &[u8], prefix: &str, name: &str) -> Option<usize> {
    let rest = bytes.strip_prefix(b"</")?;
    let rest = starts(rest, prefix.as_bytes())?;
    let rest = starts(rest, name.as_bytes())?;
    rest.first()
        .filter(|b| **b == b'>')
        .map(|_| 3 + prefix.len() + name.len())
}

/// `bytes` after `head`, compared byte by byte: the names compared here
/// are a few bytes long, shorter than the call a general comparison makes.
fn starts<'b>(bytes: &'b [u8], head: &[u8]) -> Option<&'b [u8]> {
    let (start, rest) = bytes.split_at_checked(head.len())?;
    start.iter().zip(head).all(|(a, b)| a == b).then_some(rest)
}
