//! Large CSV files read in parallel pieces.
//!
//! The decoded text after the header is cut into pieces of about
//! [`Split::piece_bytes`](super::Split) at record boundaries; each
//! piece is read by its own CSV reader into its own builder on rayon's
//! pool, and the pieces are joined in file order. So the table, the
//! rejections (in file order) and the row counts are exactly those of one
//! reader over the whole file, and line numbers are those of the file:
//! each piece counts from the line its first byte is on.
//!
//! A record boundary is a `\n` outside quotes. Whether a `\n` is inside a
//! quoted field is known by following the quote characters from the start
//! of the file the way the `csv` crate reads them (a quote opens a field
//! only at its start; inside, `""` is a literal quote); the scan jumps
//! from quote to quote, so a file without quotes costs nothing. A
//! delimiter that is itself a quote or a line break disables cutting.

use memchr::{memchr, memchr_iter};
use rayon::prelude::*;

use super::rows::{CsvHeader, csv_rows, line_at};
use crate::ingest::reader::{Counts, Piece, Reading};
use crate::ingest::table::Parts;

/// The offsets the text is cut at: the body start (after the header),
/// then each piece's start, then the end of the text. Two entries mean
/// one piece.
pub(super) fn cuts(text: &[u8], body: usize, delimiter: u8, piece_bytes: usize) -> Vec<usize> {
    let mut cuts = vec![body];
    if !matches!(delimiter, b'"' | b'\n' | b'\r') {
        let mut quotes = Quotes::new(text, delimiter);
        let mut target = body.saturating_add(piece_bytes.max(1));
        while let Some(cut) = next_boundary(text, target, &mut quotes) {
            cuts.push(cut);
            target = cut.saturating_add(piece_bytes.max(1));
        }
    }
    cuts.push(text.len());
    cuts
}

/// The start of the first record that begins after a `\n` at or after
/// `from` outside quotes, if the text goes on past it.
fn next_boundary(text: &[u8], from: usize, quotes: &mut Quotes<'_>) -> Option<usize> {
    let mut at = from;
    while at < text.len() {
        let newline = at + memchr(b'\n', &text[at..])?;
        if can_cut_after(text, newline) && !quotes.inside(newline) {
            return (newline + 1 < text.len()).then_some(newline + 1);
        }
        at = newline + 1;
    }
    None
}

/// Whether a piece can start after the `\n` at `newline` (outside
/// quotes): it must end a record and be followed by one, not by a blank
/// line. The `csv` crate skips blank lines as part of reading the next
/// record and gives that record the position where they begin, from which
/// its line number is counted; a piece starting next to them would count
/// from elsewhere.
fn can_cut_after(text: &[u8], newline: usize) -> bool {
    let before = |back: usize| newline.checked_sub(back).map(|i| text[i]);
    let ends_record = match before(1) {
        None | Some(b'\n') => false,
        Some(b'\r') => !matches!(before(2), None | Some(b'\n' | b'\r')),
        Some(_) => true,
    };
    ends_record && !matches!(text.get(newline + 1), Some(b'\n' | b'\r'))
}

/// Follows the quote characters of a CSV text in order, as the `csv`
/// crate's reader (default quoting, no escape character) reads them.
struct Quotes<'t> {
    text: &'t [u8],
    delimiter: u8,
    /// Every quote before this offset has been followed.
    next: usize,
    quoted: bool,
}

impl<'t> Quotes<'t> {
    fn new(text: &'t [u8], delimiter: u8) -> Self {
        Quotes {
            text,
            delimiter,
            next: 0,
            quoted: false,
        }
    }

    /// Whether the `\n` at `at` is inside a quoted field. Offsets asked
    /// about must not decrease.
    fn inside(&mut self, at: usize) -> bool {
        while let Some(i) = memchr(b'"', &self.text[self.next..at]) {
            let quote = self.next + i;
            if self.quoted {
                // `""` is a literal quote; the byte after is never past
                // `at`, since `at` is a `\n`.
                if self.text[quote + 1] == b'"' {
                    self.next = quote + 2;
                } else {
                    self.quoted = false;
                    self.next = quote + 1;
                }
            } else {
                // Only a quote at the start of a field opens one; anywhere
                // else it is a literal character.
                self.quoted = quote == 0
                    || matches!(self.text[quote - 1], b'\n' | b'\r')
                    || self.text[quote - 1] == self.delimiter;
                self.next = quote + 1;
            }
        }
        self.next = self.next.max(at);
        self.quoted
    }
}

/// Reads the pieces between `cuts` in parallel and hands them to `ctx` in
/// file order.
pub(super) fn read_pieces(
    ctx: &mut Reading<'_>,
    text: &[u8],
    cuts: &[usize],
    header: &CsvHeader,
    plain: bool,
) {
    let ranges: Vec<(usize, usize)> = cuts.windows(2).map(|w| (w[0], w[1])).collect();
    let newlines: Vec<u64> = ranges
        .par_iter()
        .map(|&(start, end)| memchr_iter(b'\n', &text[start..end]).count() as u64)
        .collect();
    let mut line = line_at(text, cuts[0]);
    let first_lines: Vec<u64> = newlines
        .iter()
        .map(|n| {
            let first = line;
            line += n;
            first
        })
        .collect();
    let input = ctx.input;
    let pieces: Vec<Piece> = ranges
        .par_iter()
        .zip(&first_lines)
        .fold(
            || (Parts::new(input.fields()), Vec::new(), Counts::default()),
            |(mut parts, mut rejected, mut counts), (&(start, end), &first_line)| {
                let mut piece_ctx = Reading::new(input, parts.builder(), &mut rejected);
                csv_rows(&mut piece_ctx, &text[start..end], first_line, header, plain);
                counts += piece_ctx.counts;
                parts.piece_done();
                (parts, rejected, counts)
            },
        )
        .map(|(parts, rejected, counts)| (parts.finish(), rejected, counts))
        .collect();
    ctx.join(pieces);
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::config::SourceConfig;
    use crate::contract::Source;
    use crate::ingest::csv::{Split, read_csv};
    use crate::ingest::input::{Rejection, SourceInput};
    use crate::ingest::reader::FileOutcome;
    use crate::ingest::table::TableBuilder;

    /// A ledger export with what makes cutting hard: CRLF and LF lines,
    /// quoted fields with line breaks, delimiters and `""`, quotes inside
    /// unquoted fields, blank lines, and rows that are rejected.
    fn awkward_ledger(rows: usize) -> String {
        let mut text =
            String::from("invoice_number,issue_date,seller_nip,gross_amount,currency,buyer_id\r\n");
        for i in 0..rows {
            let end = if i % 3 == 0 { "\r\n" } else { "\n" };
            let line = match i % 11 {
                0 => format!("\"FV\r\n{i}\",2026-03-02,5265877635,1.00,PLN,\"a,\"\"b\"\"\nc\""),
                1 => format!("FV/{i},2026-02-30,5265877635,1.00,PLN,"),
                2 => format!("FV/{i},2026-03-02,5265877635,1.00,PLN,x\"y"),
                3 => format!("FV/{i},2026-03-02,5265877635,12.345,PLN,"),
                4 => format!("FV/{i},2026-03-02,5265877635,1.00,PLN"),
                5 if i % 2 == 0 => "\r\n".to_string(),
                5 => String::new(),
                6 => format!("\"FV/{i}\"x\"\",2026-03-02,5265877635,-3,eur,\"\n\n\""),
                _ => format!("FV/{i},2026-03-{:02},5265877635,{i}.5,PLN,b{i}", i % 28 + 1),
            };
            let _ = write!(text, "{line}{end}");
        }
        text
    }

    fn read(text: &str, split: Split) -> (FileOutcome, Vec<Rejection>, TableBuilder) {
        let config = SourceConfig::default();
        let input = SourceInput {
            source: Source::Ledger,
            file: "ledger/big.csv",
            bytes: text.as_bytes(),
            config: &config,
        };
        let mut builder = TableBuilder::new(Source::Ledger.fields());
        let mut rejected = Vec::new();
        let outcome = read_csv(Reading::new(&input, &mut builder, &mut rejected), split);
        (outcome, rejected, builder)
    }

    #[test]
    fn pieces_read_like_one_reader() {
        let text = awkward_ledger(2_000);
        let one = Split {
            min_bytes: usize::MAX,
            piece_bytes: 0,
            plain: true,
        };
        let (outcome, rejected, builder) = read(&text, one);
        let c = outcome.counts;
        assert!(outcome.error.is_none());
        assert!(c.rejected > 500 && c.used > 1_000, "{c:?}");
        let df = builder.finish().unwrap();
        for piece_bytes in [97, 256, 1_000, 4_099] {
            let many = Split {
                min_bytes: 0,
                piece_bytes,
                plain: true,
            };
            let pieces = cuts(text.as_bytes(), 0, b',', piece_bytes).len() - 1;
            assert!(pieces > 15, "{pieces} pieces");
            let (par_outcome, par_rejected, par_builder) = read(&text, many);
            assert!(par_outcome.error.is_none());
            let p = par_outcome.counts;
            assert_eq!((c.read, c.used, c.rejected), (p.read, p.used, p.rejected));
            assert_eq!(rejected, par_rejected);
            let par_df = par_builder.finish().unwrap();
            assert!(df.equals_missing(&par_df), "pieces of {piece_bytes} bytes");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]

        /// Any mix of quotes, delimiters, line breaks and cell values reads
        /// the same in pieces of any size.
        #[test]
        fn any_text_reads_the_same_in_pieces(
            tokens in proptest::collection::vec(proptest::sample::select(vec![
                "FV", "2026-03-02", "5265877635", "1.5", "PLN", "x", ",", ",", "\"", "\"",
                "\r", "\n", "\n", "\r\n",
            ]), 0..300),
            piece_bytes in 1usize..64,
        ) {
            let text = format!(
                "invoice_number,issue_date,seller_nip,gross_amount,currency\n{}",
                tokens.concat()
            );
            let one = Split { min_bytes: usize::MAX, piece_bytes, plain: true };
            let many = Split { min_bytes: 0, piece_bytes, plain: true };
            same_reading(read(&text, one), read(&text, many))?;
        }

        /// A text without quotes reads the same split where it lies
        /// (`plain_rows`) as through the `csv` crate's reader, whole or in
        /// pieces: records, line numbers, rejections and counts.
        #[test]
        fn plain_lines_read_as_the_csv_reader_reads_them(
            tokens in proptest::collection::vec(proptest::sample::select(vec![
                "FV", "2026-03-02", "5265877635", "1.5", "PLN", "x", " ", ",", ",", ",",
                "\n", "\n", "\r\n", "\r\n\r\n", "\n\n\n", "\r",
            ]), 0..300),
            piece_bytes in 1usize..64,
            header_end in proptest::sample::select(vec!["\n", "\r\n", "\n\n"]),
        ) {
            let text = format!(
                "invoice_number,issue_date,seller_nip,gross_amount,currency{header_end}{}",
                tokens.concat()
            );
            for min_bytes in [usize::MAX, 0] {
                let plain = Split { min_bytes, piece_bytes, plain: true };
                let reader = Split { min_bytes, piece_bytes, plain: false };
                same_reading(read(&text, plain), read(&text, reader))?;
            }
        }
    }

    /// Both readings gave the same rows, rejections and counts.
    fn same_reading(
        (outcome, rejected, builder): (FileOutcome, Vec<Rejection>, TableBuilder),
        (other, other_rejected, other_builder): (FileOutcome, Vec<Rejection>, TableBuilder),
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let (c, p) = (outcome.counts, other.counts);
        proptest::prop_assert_eq!((c.read, c.used, c.rejected), (p.read, p.used, p.rejected));
        proptest::prop_assert_eq!(rejected, other_rejected);
        proptest::prop_assert_eq!(&builder.lines, &other_builder.lines);
        let (df, other_df) = (builder.finish().unwrap(), other_builder.finish().unwrap());
        proptest::prop_assert!(df.equals_missing(&other_df));
        Ok(())
    }

    #[test]
    fn cuts_are_at_record_starts_outside_quotes() {
        let text = b"h\n\"a\nb\",c\nd\"e\nf,\"g\"\"\nh\"\nend\n";
        let all: Vec<usize> = cuts(text, 2, b',', 1);
        // After "\"a\nb\",c\n", "d\"e\n" and "f,\"g\"\"\nh\"\n".
        assert_eq!(all, [2, 10, 14, 24, text.len()]);
        assert_eq!(cuts(text, 2, b'"', 1), [2, text.len()]);
        // Not after a blank line, LF or CRLF.
        let blank = b"h\na\n\nb\r\n\r\nc\r\nd\n";
        assert_eq!(cuts(blank, 2, b',', 1), [2, 13, blank.len()]);
    }
}
