//! Reading one file by its format, the one place that picks the reader:
//! CSV (`csv/`), XLSX (`xlsx.rs`), JSON (`json.rs`), the XML documents
//! (`xml.rs`) and Parquet (`parquet.rs`). Bytes in, rows handed to
//! a [`TableBuilder`] out, through the context every reader shares
//! (`reader.rs`).

use super::input::{Rejection, SourceInput};
use super::reader::{FileOutcome, Reading};
use super::table::TableBuilder;
use super::{csv, json, parquet, xlsx, xml};
use crate::contract::Source;

/// Whether `file` is a Parquet file (by its extension), for any source: the
/// sources that do not take Parquet get their rejection from its reader.
pub fn is_parquet(file: &str) -> bool {
    file.rsplit_once('.')
        .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("parquet"))
}

/// Reads one file by its extension.
pub fn read_file(
    input: &SourceInput<'_>,
    builder: &mut TableBuilder,
    rejected: &mut Vec<Rejection>,
) -> FileOutcome {
    let ctx = Reading::new(input, builder, rejected);
    if is_parquet(input.file) {
        return parquet::read_parquet(ctx);
    }
    let ext = input
        .file
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "txt" => csv::read_csv(ctx, csv::Split::DEFAULT),
        "xlsx" | "xlsm" => xlsx::read_xlsx(ctx),
        "json" => json::read_json(ctx),
        "xml" => match input.source {
            Source::Ledger => xml::read_jpk(ctx),
            Source::Archive => xml::read_fa3(ctx),
            Source::Upo => xml::read_upo(ctx),
            _ => ctx.fail(
                None,
                format!("XML is not a format of {}", input.source.name()),
            ),
        },
        _ => ctx.fail(
            None,
            format!("unsupported file type '.{ext}' for {}", input.source.name()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourceConfig;

    /// The lines of the rows rejected from `text` read as a ledger CSV.
    fn rejected_lines(text: &str) -> Vec<Option<u64>> {
        let config = SourceConfig::default();
        let input = SourceInput {
            source: Source::Ledger,
            file: "ledger/a.csv",
            bytes: text.as_bytes(),
            config: &config,
        };
        let mut builder = TableBuilder::new(Source::Ledger.fields());
        let mut rejected = Vec::new();
        read_file(&input, &mut builder, &mut rejected);
        rejected.iter().map(|r| r.line).collect()
    }

    #[test]
    fn csv_lines_are_right_with_crlf_and_quoted_newlines() {
        let text = "invoice_number,issue_date,seller_nip,gross_amount,currency\r\n\
                    FV/1,2026-03-02,5265877635,1.00,PLN\r\n\
                    \"FV\r\n2\",2026-03-02,5265877635,1.00,PLN\r\n\
                    FV/3,2026-03-02,5265877635,x,PLN\n\
                    FV/4,2026-03-02,5265877635,x,PLN\r\n";
        assert_eq!(rejected_lines(text), [Some(5), Some(6)]);
    }

    #[test]
    fn a_row_after_blank_lines_is_named_by_its_own_line() {
        // With a quote (the csv crate's reader) and without (plain lines).
        for first in ["\"FV/1\"", "FV/1"] {
            let text = format!(
                "invoice_number,issue_date,seller_nip,gross_amount,currency\r\n\
                 \r\n\n{first},2026-03-02,5265877635,x,PLN\n\n\n\n\
                 FV/2,2026-03-02,5265877635,x,PLN\r\n\r\n\r\n\
                 FV/3,2026-03-02,5265877635,x,PLN"
            );
            assert_eq!(
                rejected_lines(&text),
                [Some(4), Some(8), Some(11)],
                "{first}"
            );
        }
    }
}
