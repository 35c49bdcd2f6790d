//! The run of sales rows of a JPK_V7 file, read apart from the rest (see
//! `parse_jpk`): a scan for the plain shape only,
//!
//! ```text
//! <P:SprzedazWiersz>
//!   <P:Name>text</P:Name> ...
//! </P:SprzedazWiersz> ...
//! ```
//!
//! where `P:` is the root element's own prefix (declared on it) or none. A
//! row's children are read as the strict reader reads them: their text,
//! references resolved, trimmed. Anything else (an attribute, a comment, an
//! empty or nested element, text between elements, a carriage return, an
//! unknown reference) ends the fast read: `read` gives `None` and the whole
//! file goes through the strict reader.

use std::borrow::Cow;

/// What the scan hands its caller, in file order: a row begins at a line,
/// one of its children with its text (resolved and trimmed), the row ends.
pub enum Piece<'a> {
    Row(u64),
    Field(&'a str, Cow<'a, str>),
    End,
}

const BOM: &str = "\u{feff}";

/// The run of rows read apart: its byte range in the file (from the first
/// row's `<` to just after the last row's end tag) and the line breaks in it.
pub struct Run {
    pub start: usize,
    pub end: usize,
    pub breaks: u64,
}

/// Hands the run of rows to `visit`, piece by piece; `None` when the file
/// is not plainly shaped there, or has no rows (what was handed over is
/// then to be thrown away).
pub fn read<'a>(bytes: &'a [u8], visit: &mut dyn FnMut(Piece<'a>)) -> Option<Run> {
    let text = std::str::from_utf8(bytes).ok()?;
    let body = text.strip_prefix(BOM).unwrap_or(text);
    let offset = text.len() - body.len();
    let prefix = root_prefix(body)?;
    let open = format!("<{prefix}SprzedazWiersz>");
    let start = body.find(&open)?;
    let (end, breaks) = scan(body, start, prefix, &open, visit)?;
    Some(Run {
        start: offset + start,
        end: offset + end,
        breaks,
    })
}

/// The file with the run's bytes replaced by as many line breaks as they
/// held, so that what is left keeps its line numbers.
pub fn skeleton(bytes: &[u8], run: &Run) -> Vec<u8> {
    let breaks = run.breaks as usize;
    let mut out = Vec::with_capacity(bytes.len() - (run.end - run.start) + breaks);
    out.extend_from_slice(&bytes[..run.start]);
    out.resize(out.len() + breaks, b'\n');
    out.extend_from_slice(&bytes[run.end..]);
    out
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

/// Reads rows from `start` while they follow one another, separated by white
/// space; the end of the run and the line breaks in it.
fn scan<'a>(
    body: &'a str,
    start: usize,
    prefix: &str,
    open: &str,
    visit: &mut dyn FnMut(Piece<'a>),
) -> Option<(usize, u64)> {
    let close = format!("</{prefix}SprzedazWiersz>");
    let bytes = body.as_bytes();
    let first = 1 + breaks(&body[..start]);
    let mut line = first;
    let (mut at, mut end, mut end_line) = (start, start, first);
    while bytes[at..].starts_with(open.as_bytes()) {
        visit(Piece::Row(line));
        at += open.len();
        loop {
            let (gap, lines) = white(&bytes[at..]);
            line += lines;
            at += gap;
            // A child starts `<N`, the row's end `</`: the end tag is
            // compared only where it can be.
            if bytes.get(at + 1) == Some(&b'/') && bytes[at..].starts_with(close.as_bytes()) {
                at += close.len();
                break;
            }
            let (used, lines) = child(&body[at..], prefix, visit)?;
            at += used;
            line += lines;
        }
        visit(Piece::End);
        (end, end_line) = (at, line);
        let (gap, lines) = white(&bytes[at..]);
        if !bytes[at + gap..].starts_with(open.as_bytes()) {
            break;
        }
        line += lines;
        at += gap;
    }
    (end > start).then_some((end, end_line - first))
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

/// One `<P:Name>text</P:Name>` at the start of `text`, handed to `visit`:
/// the bytes it took and the line breaks in it. Byte by byte, as the rows
/// are most of a register's bytes: the text is looked at once, and only a
/// value with a reference, a `>` or a carriage return is looked at again.
fn child<'a>(
    text: &'a str,
    prefix: &str,
    visit: &mut dyn FnMut(Piece<'a>),
) -> Option<(usize, u64)> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'<') {
        return None;
    }
    let tag_end = memchr::memchr(b'>', bytes)?;
    let name = text.get(1..tag_end)?.strip_prefix(prefix)?;
    if !is_name(name) {
        return None;
    }
    let value_start = tag_end + 1;
    let value_end = value_start + memchr::memchr(b'<', &bytes[value_start..])?;
    let raw = &text[value_start..value_end];
    let (mut lines, mut special) = (0, false);
    for &b in raw.as_bytes() {
        match b {
            b'\n' => lines += 1,
            b'&' | b'>' | b'\r' => special = true,
            _ => {}
        }
    }
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
        visit(Piece::Field(name, value));
    } else {
        visit(Piece::Field(name, Cow::Borrowed(raw.trim())));
    }
    Some((value_end + end, lines))
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
