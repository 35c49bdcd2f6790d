//! A check of an XLSX workbook before calamine opens it. calamine inflates
//! a sheet whole and trusts the zip's sizes, so a workbook of a few
//! kilobytes could claim or inflate to gigabytes and stall a nightly run.
//! This reads the zip's central directory (declared sizes, nothing
//! inflated) and then streams each XML part once, bounded in bytes, to
//! refuse what could exhaust memory or time in calamine's XML reader. It
//! does not read cells: anything it lets through is still calamine's to
//! parse. The reasons: `docs/security.md`, "Hostile workbooks".

use std::io::{BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

/// What a workbook may hold. [`LIMITS`] is what every run uses.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest uncompressed size of one entry (a sheet, the shared strings).
    pub part_bytes: u64,
    /// Largest uncompressed : compressed ratio of one entry ...
    pub ratio: u64,
    /// ... once it is larger than this uncompressed: a tiny part of
    /// repeated markup compresses far past 100:1 and harms nobody.
    pub ratio_from_bytes: u64,
    /// Most entries in the archive.
    pub entries: usize,
    /// Deepest element nesting of an XML part.
    pub depth: usize,
    /// Most attributes on one element (RUSTSEC-2026-0194 is quadratic in it).
    pub attributes: usize,
    /// Most namespace declarations on one element (RUSTSEC-2026-0195
    /// allocates for each).
    pub namespaces: usize,
}

/// 256 MiB a part, 100:1 past 1 MiB, 10,000 entries, 64 levels, 256
/// attributes and 64 namespace declarations an element. A ledger row of 11
/// columns is 300-500 bytes of sheet XML (shared or inline strings), so 256
/// MiB holds some 500,000-900,000 rows, compressed 5-20:1; Excel's own parts
/// nest about a dozen levels and carry a few dozen attributes at most.
pub const LIMITS: Limits = Limits {
    part_bytes: 256 << 20,
    ratio: 100,
    ratio_from_bytes: 1 << 20,
    entries: 10_000,
    depth: 64,
    attributes: 256,
    namespaces: 64,
};

/// Checks a workbook's bytes with [`LIMITS`]; the error is the file's
/// rejection reason.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    check_with(bytes, &LIMITS)
}

/// Checks a workbook's bytes: every entry's declared size and ratio first
/// (from the central directory, nothing inflated), then every XML part.
pub fn check_with(bytes: &[u8], limits: &Limits) -> Result<(), String> {
    let mut zip = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("not a readable XLSX workbook: {e}"))?;
    if zip.len() > limits.entries {
        return Err(format!(
            "workbook holds {} zip entries, over the limit of {}",
            zip.len(),
            limits.entries
        ));
    }
    let mut xml_parts = Vec::new();
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| format!("not a readable XLSX workbook: entry {i}: {e}"))?;
        let name = entry
            .name()
            .map_or_else(|_| format!("#{i}"), |n| n.into_owned());
        check_sizes(&name, entry.size(), entry.compressed_size(), limits)?;
        if is_xml(&name) && !entry.is_dir() {
            xml_parts.push((i, name, entry.size()));
        }
    }
    for (i, name, declared) in xml_parts {
        let entry = zip
            .by_index(i)
            .map_err(|e| format!("workbook part {name} unreadable: {e}"))?;
        // One byte past the declared size is enough to know it lied.
        let bounded = Counted {
            inner: entry.take(declared.saturating_add(1)),
            bytes: 0,
        };
        scan_xml(&name, declared, bounded, limits)?;
    }
    Ok(())
}

/// A reader that counts what passed through it: the inflated size of a
/// part, whatever its header claimed.
struct Counted<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Parts calamine may parse as XML.
fn is_xml(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".xml") || lower.ends_with(".rels") || lower.ends_with(".vml")
}

fn check_sizes(name: &str, size: u64, compressed: u64, limits: &Limits) -> Result<(), String> {
    if size > limits.part_bytes {
        return Err(format!(
            "workbook part {name} declares {size} bytes uncompressed, over the limit of {} bytes",
            limits.part_bytes
        ));
    }
    if size > limits.ratio_from_bytes && size > compressed.saturating_mul(limits.ratio) {
        return Err(format!(
            "workbook part {name} inflates {compressed} bytes to {size} ({}:1), over the limit of {}:1",
            size / compressed.max(1),
            limits.ratio
        ));
    }
    Ok(())
}

/// Streams one XML part: no DOCTYPE (so no entity is ever defined), no
/// entity beyond XML's five and character references, nesting, attributes
/// and namespace declarations bounded, and no more bytes than declared.
fn scan_xml<R: Read>(
    name: &str,
    declared: u64,
    part: Counted<R>,
    limits: &Limits,
) -> Result<(), String> {
    let mut reader = Reader::from_reader(BufReader::new(part));
    let inflated = |reader: &Reader<BufReader<Counted<R>>>| reader.get_ref().get_ref().bytes;
    // As calamine reads: end tags are not matched against start tags.
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let refuse = |at: u64, why: String| Err(format!("workbook part {name} byte {at}: {why}"));
    loop {
        let at = reader.buffer_position();
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            // Cut off one byte past its declared size, a part fails here.
            Err(_) if inflated(&reader) > declared => break,
            Err(e) => return refuse(at, format!("not well-formed XML: {e}")),
        };
        match event {
            Event::Start(start) => {
                depth += 1;
                if depth > limits.depth {
                    return refuse(
                        at,
                        format!("elements nested deeper than {} levels", limits.depth),
                    );
                }
                check_attributes(&start, limits).or_else(|why| refuse(at, why))?;
            }
            Event::Empty(start) => {
                check_attributes(&start, limits).or_else(|why| refuse(at, why))?
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::DocType(_) => {
                return refuse(at, "DOCTYPE is not allowed (entity definitions)".into());
            }
            Event::GeneralRef(r) if !r.is_char_ref() && !is_predefined(&r) => {
                return refuse(at, format!("entity &{}; is not allowed", &*r));
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if inflated(&reader) > declared {
        return Err(format!(
            "workbook part {name} inflates past its declared {declared} bytes"
        ));
    }
    Ok(())
}

fn is_predefined(name: &str) -> bool {
    matches!(name, "lt" | "gt" | "amp" | "quot" | "apos")
}

/// Counts attributes without quick-xml's duplicate check, which is the
/// quadratic step of RUSTSEC-2026-0194.
fn check_attributes(start: &BytesStart<'_>, limits: &Limits) -> Result<(), String> {
    let (mut attributes, mut namespaces) = (0usize, 0usize);
    for attribute in start.attributes().with_checks(false) {
        let attribute = attribute.map_err(|e| format!("unreadable attribute: {e}"))?;
        attributes += 1;
        let key = attribute.key.as_ref();
        if key == "xmlns" || key.starts_with("xmlns:") {
            namespaces += 1;
        }
        if attributes > limits.attributes {
            return Err(format!(
                "an element carries more than {} attributes",
                limits.attributes
            ));
        }
        if namespaces > limits.namespaces {
            return Err(format!(
                "an element declares more than {} namespaces",
                limits.namespaces
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    /// A workbook's zip from (name, content) pairs, deflated.
    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default();
        for (name, content) in parts {
            zip.start_file(*name, options).unwrap();
            zip.write_all(content).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn sheet(body: &str) -> Vec<u8> {
        zip_of(&[(
            "xl/worksheets/sheet1.xml",
            format!("<worksheet><sheetData>{body}</sheetData></worksheet>").as_bytes(),
        )])
    }

    #[test]
    fn an_ordinary_sheet_passes() {
        let row =
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>FV/1 &amp; &#65;</t></is></c></row>"#;
        assert_eq!(check(&sheet(row)), Ok(()));
    }

    /// A resolutions workbook as Excel-compatible writers make it (styles,
    /// theme, shared strings, document properties) passes.
    #[test]
    fn a_written_workbook_passes() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (col, name) in ["exception_id", "status", "by", "at"].iter().enumerate() {
            sheet
                .write_string_with_format(0, col as u16, *name, &bold)
                .unwrap();
        }
        for row in 1..2000u32 {
            sheet
                .write_string(row, 0, format!("EX-{row:016x}"))
                .unwrap();
            sheet.write_string(row, 1, "resolved").unwrap();
            sheet.write_number(row, 3, 46_000.5).unwrap();
        }
        assert_eq!(check(&book.save_to_buffer().unwrap()), Ok(()));
    }

    #[test]
    fn sizes_are_judged_from_the_central_directory() {
        let limits = Limits {
            part_bytes: 1000,
            ..LIMITS
        };
        let err = check_with(&sheet(&"<row/>".repeat(200)), &limits).unwrap_err();
        assert!(
            err.contains("bytes uncompressed, over the limit of 1000"),
            "{err}"
        );
        assert!(err.contains("xl/worksheets/sheet1.xml"), "{err}");
    }

    #[test]
    fn a_high_ratio_is_refused_only_past_its_floor() {
        let bomb = sheet(&"<row/>".repeat(400_000));
        let err = check(&bomb).unwrap_err();
        assert!(err.contains(":1), over the limit of 100:1"), "{err}");
        let small = sheet(&"<row/>".repeat(10_000));
        assert_eq!(check(&small), Ok(()));
    }

    #[test]
    fn nesting_doctype_entities_and_attributes_are_bounded() {
        let deep = format!("{}{}", "<a>".repeat(70), "</a>".repeat(70));
        let doctype = "<!DOCTYPE x [<!ENTITY e \"e\">]><worksheet/>";
        let attrs: String = (0..300).map(|i| format!(" a{i}=\"1\"")).collect();
        let spaces: String = (0..65).map(|i| format!(" xmlns:n{i}=\"u{i}\"")).collect();
        for (xml, why) in [
            (deep.as_str(), "nested deeper than 64 levels"),
            ("<c>&e;</c>", "entity &e; is not allowed"),
            (&format!("<c{attrs}/>"), "more than 256 attributes"),
            (&format!("<c{spaces}>x</c>"), "more than 64 namespaces"),
        ] {
            let err = check(&sheet(xml)).unwrap_err();
            assert!(err.contains(why), "{why}: {err}");
        }
        let err = check(&zip_of(&[("xl/styles.xml", doctype.as_bytes())])).unwrap_err();
        assert!(
            err.contains("xl/styles.xml byte 0: DOCTYPE is not allowed"),
            "{err}"
        );
    }

    #[test]
    fn not_a_zip_and_non_xml_parts() {
        let err = check(b"invoice_number\nFV/1\n").unwrap_err();
        assert!(err.starts_with("not a readable XLSX workbook"), "{err}");
        // An image is only judged by its sizes, never parsed.
        let image = zip_of(&[("xl/media/image1.png", b"<<not xml".as_slice())]);
        assert_eq!(check(&image), Ok(()));
    }

    #[test]
    fn a_part_inflating_past_its_declared_size_is_refused() {
        let xml = b"<worksheet><sheetData/></worksheet>";
        let declared = 10;
        let part = Counted {
            inner: &xml[..],
            bytes: 0,
        };
        let err = scan_xml("s.xml", declared, part, &LIMITS).unwrap_err();
        assert!(err.contains("inflates past its declared 10 bytes"), "{err}");
    }
}
