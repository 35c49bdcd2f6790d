//! A hardened, streaming XML reader shared by the FA(3), UPO and JPK parsers.
//!
//! Bundle files come from outside (ERP exports, e-mail, downloads), so the
//! reader assumes they may be hostile: it refuses a file over a caller-given
//! size before parsing, refuses anything but UTF-8 (bytes and declared
//! encoding), refuses any DOCTYPE (so no entity is ever defined, expanded or
//! fetched), resolves only the five predefined entities and character
//! references, and stops at a nesting depth of [`MAX_DEPTH`]. Every error
//! names its 1-based line.
//!
//! [`walk`] streams elements with their path of local names, namespace,
//! start line, attributes and direct text; the parsers only pattern-match.
//! Deliberately not a DOM, not a schema validator, and not lenient: a file it
//! cannot read strictly is rejected, never half-read.

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event as QxEvent};
use quick_xml::name::ResolveResult;

use crate::documents::DocError;

/// Default size limit: the largest FA(3) or UPO page KSeF produces is far
/// below this, and it keeps memory bounded when a bundle holds junk.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// Deepest element nesting accepted; the FA(3) schema needs about 8.
pub const MAX_DEPTH: usize = 64;

/// A DOCTYPE is where entities are defined (billion laughs) and external
/// files referenced (XXE); business documents never need one.
const DOCTYPE_REFUSED: &str =
    "DOCTYPE is not allowed: entity definitions and external references are refused";

/// One open element: what the parsers match on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Namespace URI the element's prefix is bound to, if any.
    pub namespace: Option<String>,
    /// Local name, without prefix.
    pub name: String,
    /// Line of the `<` of the start tag.
    pub line: u64,
    /// Attributes by local name, unescaped; namespace declarations omitted.
    pub attributes: Vec<(String, String)>,
}

impl Element {
    /// The value of the attribute with this local name.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What [`walk`] reports: an element opens, or closes with its direct text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'e> {
    Start(&'e Element),
    End(&'e Element, &'e str),
}

/// The visitor's answer to a `Start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Do not report this element, its content or its end (still checked for
    /// well-formedness and limits). Used to pass over XML signatures.
    Skip,
}

/// True when the local names of `path` are exactly `names`, from the root.
pub fn path_is(path: &[Element], names: &[&str]) -> bool {
    path.len() == names.len() && path.iter().zip(names).all(|(e, n)| e.name == *n)
}

/// The visitor [`walk`] calls: the path of open elements (current last) and
/// the event; its error stops the walk.
type Visit<'v> = dyn FnMut(&[Element], Event<'_>) -> Result<Flow, DocError> + 'v;

/// Streams `bytes` to `visit`, which sees the path of open elements (the
/// current one last) with each event. Stops at the first error, from the
/// document or from `visit`.
pub fn walk(
    bytes: &[u8],
    max_bytes: usize,
    mut visit: impl FnMut(&[Element], Event<'_>) -> Result<Flow, DocError>,
) -> Result<(), DocError> {
    if bytes.len() > max_bytes {
        return Err(DocError::whole_file(format!(
            "document is {} bytes, over the limit of {max_bytes} bytes; not parsed",
            bytes.len()
        )));
    }
    let text = utf8_text(bytes)?;
    Walker::new(text).run(&mut visit)
}

/// The input as UTF-8, without a UTF-8 byte-order mark.
fn utf8_text(bytes: &[u8]) -> Result<&str, DocError> {
    if bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE]) {
        return fail(
            1,
            "document is UTF-16 (byte-order mark); only UTF-8 is accepted",
        );
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    simdutf8::compat::from_utf8(bytes).map_err(|e| {
        let line = Lines::default().line_at(bytes, e.valid_up_to());
        let byte = e.valid_up_to() + 1;
        let reason = format!("document is not valid UTF-8 (byte {byte}); only UTF-8 is accepted");
        DocError::at(line, reason)
    })
}

/// Turns byte offsets into 1-based lines; offsets mostly grow, so counting
/// resumes from the last one and the whole file is scanned once.
#[derive(Default)]
struct Lines {
    offset: usize,
    newlines: u64,
}

impl Lines {
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> u64 {
        let offset = offset.min(bytes.len());
        if offset < self.offset {
            *self = Self::default();
        }
        let counted = bytes[self.offset..offset].iter().filter(|b| **b == b'\n');
        self.newlines += counted.count() as u64;
        self.offset = offset;
        self.newlines + 1
    }
}

/// The open elements and their texts are kept in buffers that outlive
/// them: the element at depth `d` reuses the strings of the last one closed
/// there, so a register of a million rows, each of a dozen elements, is
/// walked without allocating for every element (which took most of the
/// time of reading a JPK_V7 file).
struct Walker<'a> {
    reader: NsReader<&'a [u8]>,
    text: &'a str,
    lines: Lines,
    /// `path[..depth]` are the open elements; those after are spare.
    path: Vec<Element>,
    texts: Vec<String>,
    depth: usize,
    /// Depth of the element being skipped, while inside it.
    skip: Option<usize>,
    root_done: bool,
}

impl<'a> Walker<'a> {
    fn new(text: &'a str) -> Self {
        let mut reader = NsReader::from_str(text);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.trim_text(false);
        Self {
            reader,
            text,
            lines: Lines::default(),
            path: Vec::new(),
            texts: Vec::new(),
            depth: 0,
            skip: None,
            root_done: false,
        }
    }

    fn line_at(&mut self, offset: u64) -> u64 {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        self.lines.line_at(self.text.as_bytes(), offset)
    }

    fn run(&mut self, visit: &mut Visit<'_>) -> Result<(), DocError> {
        loop {
            let before = self.reader.buffer_position();
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    let line = self.line_at(self.reader.error_position());
                    return Err(DocError::at(line, format!("malformed XML: {e}")));
                }
            };
            let line = self.line_at(before);
            match event {
                QxEvent::Decl(decl) => check_declaration(&decl, line)?,
                QxEvent::DocType(_) => return fail(line, DOCTYPE_REFUSED),
                QxEvent::Start(start) => self.start(&start, line, visit)?,
                QxEvent::Empty(start) => {
                    self.start(&start, line, visit)?;
                    self.end(visit)?;
                }
                QxEvent::End(_) => self.end(visit)?,
                QxEvent::Text(text) => self.text(&text.xml10_content(), line)?,
                QxEvent::CData(data) => self.text(&data.xml10_content(), line)?,
                QxEvent::GeneralRef(reference) => {
                    let resolved = resolve_reference(&reference, line)?;
                    self.text(&resolved, line)?;
                }
                QxEvent::Comment(_) | QxEvent::PI(_) => {}
                QxEvent::Eof => return self.finish(),
            }
        }
    }

    fn start(
        &mut self,
        start: &BytesStart,
        line: u64,
        visit: &mut Visit<'_>,
    ) -> Result<(), DocError> {
        if self.depth == 0 && self.root_done {
            return fail(line, "a second root element: a document has exactly one");
        }
        if self.depth >= MAX_DEPTH {
            return fail(
                line,
                format!("elements nested deeper than {MAX_DEPTH} levels"),
            );
        }
        if self.path.len() == self.depth {
            self.path.push(Element {
                namespace: None,
                name: String::new(),
                line,
                attributes: Vec::new(),
            });
            self.texts.push(String::new());
        }
        self.set_element(start, line)?;
        self.texts[self.depth].clear();
        self.depth += 1;
        if self.skip.is_none() {
            let current = &self.path[self.depth - 1];
            if visit(&self.path[..self.depth], Event::Start(current))? == Flow::Skip {
                self.skip = Some(self.depth);
            }
        }
        Ok(())
    }

    /// Makes the spare element at `depth` the one `start` opens.
    fn set_element(&mut self, start: &BytesStart, line: u64) -> Result<(), DocError> {
        let (resolved, local) = self.reader.resolver().resolve_element(start.name());
        let element = &mut self.path[self.depth];
        match resolved {
            ResolveResult::Bound(ns) => {
                let ns = ns.into_inner();
                if element.namespace.as_deref() != Some(ns) {
                    element.namespace = Some(ns.to_string());
                }
            }
            ResolveResult::Unbound => element.namespace = None,
            ResolveResult::Unknown(p) => {
                return fail(line, format!("prefix `{p}` is not declared"));
            }
        }
        element.name.clear();
        element.name.push_str(local.into_inner());
        element.line = line;
        element.attributes.clear();
        if !start.attributes_raw().trim().is_empty() {
            element.attributes = attributes(start, line)?;
        }
        Ok(())
    }

    fn end(&mut self, visit: &mut Visit<'_>) -> Result<(), DocError> {
        let depth = self.depth;
        if depth == 0 {
            self.root_done = true;
            return Ok(());
        }
        if self.skip.is_none() {
            let (element, text) = (&self.path[depth - 1], &self.texts[depth - 1]);
            visit(&self.path[..depth], Event::End(element, text))?;
        } else if self.skip == Some(depth) {
            self.skip = None;
        }
        self.depth -= 1;
        if self.depth == 0 {
            self.root_done = true;
        }
        Ok(())
    }

    fn text(&mut self, text: &str, line: u64) -> Result<(), DocError> {
        let open = self
            .depth
            .checked_sub(1)
            .and_then(|d| self.texts.get_mut(d));
        match open {
            Some(_) if self.skip.is_some() => Ok(()),
            Some(buffer) => {
                buffer.push_str(text);
                Ok(())
            }
            None if text.trim().is_empty() => Ok(()),
            None => Err(DocError::at(line, "text outside the root element")),
        }
    }

    fn finish(&mut self) -> Result<(), DocError> {
        let end_line = self.line_at(u64::MAX);
        match self.depth.checked_sub(1).and_then(|d| self.path.get(d)) {
            Some(open) => {
                let (name, opened) = (&open.name, open.line);
                fail(
                    end_line,
                    format!("document ends before </{name}> (opened at line {opened}): truncated?"),
                )
            }
            None if !self.root_done => fail(end_line, "no root element"),
            None => Ok(()),
        }
    }
}

fn fail<T>(line: u64, reason: impl Into<String>) -> Result<T, DocError> {
    Err(DocError::at(line, reason))
}

/// Only UTF-8 may be declared; the bytes were already checked.
fn check_declaration(decl: &BytesDecl, line: u64) -> Result<(), DocError> {
    match decl.encoding() {
        None => Ok(()),
        Some(Ok(enc)) if enc.eq_ignore_ascii_case("utf-8") || enc.eq_ignore_ascii_case("utf8") => {
            Ok(())
        }
        Some(Ok(enc)) => fail(
            line,
            format!("declared encoding \"{enc}\" is not accepted: only UTF-8"),
        ),
        Some(Err(e)) => fail(line, format!("unreadable XML declaration: {e}")),
    }
}

/// Character references and the five predefined entities; anything else is
/// an error, because only a DTD could define it and DTDs are refused.
fn resolve_reference<'r>(reference: &'r BytesRef, line: u64) -> Result<Cow<'r, str>, DocError> {
    let name: &str = reference;
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
            _ => fail(line, format!("invalid character reference &{name};")),
        };
    }
    match resolve_predefined_entity(name) {
        Some(text) => Ok(Cow::Borrowed(text)),
        None => fail(
            line,
            format!("unknown entity reference &{name}; (never expanded)"),
        ),
    }
}

fn attributes(start: &BytesStart, line: u64) -> Result<Vec<(String, String)>, DocError> {
    let mut out = Vec::new();
    for attribute in start.attributes() {
        let attribute =
            attribute.map_err(|e| DocError::at(line, format!("malformed attribute: {e}")))?;
        let key = attribute.key;
        if key.as_namespace_binding().is_some() {
            continue;
        }
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| DocError::at(line, format!("attribute value: {e}")))?;
        out.push((
            key.local_name().into_inner().to_string(),
            value.into_owned(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `path@line=text` of every end event, or the error.
    fn ends(xml: &str) -> Result<Vec<String>, DocError> {
        let mut out = Vec::new();
        walk(xml.as_bytes(), MAX_DOCUMENT_BYTES, |path, event| {
            if let Event::End(element, text) = event {
                let names: Vec<&str> = path.iter().map(|e| e.name.as_str()).collect();
                let (names, line) = (names.join("/"), element.line);
                out.push(format!("{names}@{line}={}", text.trim()));
            }
            Ok(Flow::Continue)
        })?;
        Ok(out)
    }

    fn accept_all(bytes: &[u8], limit: usize) -> Result<(), DocError> {
        walk(bytes, limit, |_, _| Ok(Flow::Continue))
    }

    #[test]
    fn reports_paths_lines_and_unescaped_text() {
        let xml = "<?xml version=\"1.0\"?>\n<a xmlns=\"u\">\n <b>x &amp; &#x41;&lt;</b>\n <c/></a>";
        let got = ends(xml).unwrap_or_default();
        assert_eq!(got, ["a/b@3=x & A<", "a/c@4=", "a@2="]);
    }

    #[test]
    fn namespaces_resolve_through_prefixes() {
        let xml = r#"<p:a xmlns:p="urn:one"><b xmlns="urn:two" p:k="v"/></p:a>"#;
        let mut seen = Vec::new();
        let result = walk(xml.as_bytes(), 1000, |_, event| {
            if let Event::Start(e) = event {
                seen.push(format!(
                    "{} {:?} {:?}",
                    e.name,
                    e.namespace,
                    e.attribute("k")
                ));
            }
            Ok(Flow::Continue)
        });
        assert_eq!(result, Ok(()));
        assert_eq!(
            seen,
            [
                r#"a Some("urn:one") None"#,
                r#"b Some("urn:two") Some("v")"#
            ]
        );
    }

    #[test]
    fn rejections_name_reason_and_line() {
        let cases = [
            ("<a>\n<!DOCTYPE a>\n</a>", "DOCTYPE"),
            (
                "<!DOCTYPE a [<!ENTITY e \"x\">]>\n<a>&e;</a>",
                "DOCTYPE is not allowed",
            ),
            ("<a>\n&e;</a>", "unknown entity reference &e;"),
            ("<a k=\"&e;\"/>", "attribute value"),
            ("<a>\n<b></a>", "malformed XML"),
            ("<a>\n<b>", "truncated"),
            ("<a/>\n<b/>", "second root"),
            (
                "<?xml version=\"1.0\" encoding=\"ISO-8859-2\"?><a/>",
                "ISO-8859-2",
            ),
            ("<a>\n<x:b/></a>", "prefix `x`"),
            ("", "no root element"),
        ];
        for (xml, reason) in cases {
            let err = ends(xml).err().unwrap_or(DocError::whole_file("accepted"));
            assert!(
                err.reason.contains(reason) && err.line.is_some(),
                "{xml:?}: {err}"
            );
        }
    }

    #[test]
    fn limits_apply_before_and_during_parsing() {
        let nested = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        let err = ends(&nested(65))
            .err()
            .map(|e| e.reason)
            .unwrap_or_default();
        assert!(err.contains("deeper than 64"));
        assert!(ends(&nested(64)).is_ok());
        assert_eq!(accept_all(b"<a/>", 3).err().map(|e| e.line), Some(None));
    }

    #[test]
    fn bytes_must_be_utf8() {
        let err = accept_all(b"<a>\n\xB1</a>", 100).err();
        assert_eq!(err.and_then(|e| e.line), Some(2));
        let err = accept_all(b"\xFF\xFE<\0a\0/\0>\0", 100).err();
        assert!(err.is_some_and(|e| e.reason.contains("UTF-16")));
        assert!(accept_all(b"\xEF\xBB\xBF<a/>", 100).is_ok());
    }

    #[test]
    fn skipped_subtrees_are_not_reported() {
        let mut texts = Vec::new();
        let result = walk(b"<a><s><b>1</b></s><b>2</b></a>", 100, |_, event| {
            match event {
                Event::Start(e) if e.name == "s" => return Ok(Flow::Skip),
                Event::End(e, text) if e.name == "b" => texts.push(text.to_string()),
                _ => {}
            }
            Ok(Flow::Continue)
        });
        assert_eq!((result, texts), (Ok(()), vec!["2".to_string()]));
    }
}
