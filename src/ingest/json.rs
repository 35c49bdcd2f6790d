//! JSON files: a KSeF metadata page or export, or the status service's
//! announcements, each record an object whose fields are looked up by the
//! source's JSON names.

use serde_json::Value as Json;
use serde_json::value::RawValue;

use super::reader::{FileOutcome, Reading, decode};
use crate::contract::Source;

/// JSON sources: a KSeF metadata page or export (`{"invoices": [...]}`) or a
/// status-service array of messages. Fields are looked up by the source's
/// JSON names (dotted for nested objects); line numbers are those of each
/// object's first character in the file.
pub(super) fn read_json(mut ctx: Reading<'_>) -> FileOutcome {
    let text = match decode(ctx.input.bytes, ctx.input.config) {
        Ok(t) => t,
        Err(e) => return ctx.fail(None, e),
    };
    // An export's status response holds the extract's flags, not records
    // (read by `extract`): a file of no rows, not a bad one.
    if ctx.input.source == Source::KsefMetadata && super::extract::is_export_status(&text) {
        return ctx.done();
    }
    if ctx.input.source == Source::Rates {
        return read_nbp_tables(ctx, &text);
    }
    let items = match json_items(&text, ctx.input.source) {
        Ok(items) => items,
        Err((line, reason)) => return ctx.fail(line, reason),
    };
    let Some(names) = ctx.input.json_names() else {
        let why = format!("JSON is not a format of {}", ctx.input.source.name());
        return ctx.fail(None, why);
    };
    let base = text.as_ptr() as usize;
    // Items come in file order: count newlines from the previous item on,
    // so line numbers cost one pass over the file, not one per item.
    let (mut counted_to, mut line) = (0usize, 1u64);
    for raw in items {
        let offset = raw.get().as_ptr() as usize - base;
        let from = counted_to.min(offset);
        line += text.as_bytes()[from..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        counted_to = offset;
        let values: Vec<Option<String>> = match serde_json::from_str::<Json>(raw.get()) {
            Ok(obj @ Json::Object(_)) => names.iter().map(|n| json_field(&obj, n)).collect(),
            Ok(_) => {
                ctx.counts.read += 1;
                ctx.reject(Some(line), "array element is not an object".to_string());
                continue;
            }
            // The whole file parsed as raw values, which are not depth
            // limited; a too deeply nested element fails only here.
            Err(e) => {
                ctx.counts.read += 1;
                ctx.reject(
                    Some(line),
                    format!("array element is not readable JSON: {e}"),
                );
                continue;
            }
        };
        ctx.row(line, |i| values.get(i).and_then(|v| v.as_deref()));
    }
    ctx.done()
}

/// One table of the NBP web API (`api/exchangerates/tables/A/...`).
#[derive(serde::Deserialize)]
struct NbpTable {
    no: Option<String>,
    #[serde(rename = "effectiveDate")]
    effective_date: Option<String>,
    #[serde(default)]
    rates: Vec<Json>,
}

/// The NBP web API's tables (an array of them, or one table), each rate a
/// row beside its table's `effectiveDate` and `no`; a rate is named by the
/// line its table starts on.
fn read_nbp_tables(mut ctx: Reading<'_>, text: &str) -> FileOutcome {
    let located = |e: &serde_json::Error| u64::try_from(e.line()).ok().filter(|&l| l > 0);
    let whole: &RawValue = match serde_json::from_str(text) {
        Ok(w) => w,
        Err(e) => return ctx.fail(located(&e), format!("not valid JSON: {e}")),
    };
    let tables: Vec<&RawValue> = match whole.get().trim_start().as_bytes().first() {
        Some(b'[') => match serde_json::from_str(whole.get()) {
            Ok(items) => items,
            Err(e) => return ctx.fail(None, format!("not an array of NBP tables: {e}")),
        },
        _ => vec![whole],
    };
    let base = text.as_ptr() as usize;
    for raw in tables {
        let offset = raw.get().as_ptr() as usize - base;
        let line = 1 + text.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        let table: NbpTable = match serde_json::from_str(raw.get()) {
            Ok(t) => t,
            Err(e) => {
                ctx.counts.read += 1;
                ctx.reject(Some(line), format!("not an NBP table: {e}"));
                continue;
            }
        };
        for rate in &table.rates {
            let values = [
                table.effective_date.clone(),
                json_field(rate, "code"),
                json_field(rate, "mid"),
                table.no.clone(),
            ];
            ctx.row(line, |i| values.get(i).and_then(|v| v.as_deref()));
        }
    }
    ctx.done()
}

#[derive(serde::Deserialize)]
struct InvoicesPage<'a> {
    #[serde(borrow)]
    invoices: Vec<&'a RawValue>,
}

/// The status service's status object: its `messages` are the records.
#[derive(serde::Deserialize)]
struct StatusObject<'a> {
    #[serde(borrow)]
    messages: Vec<&'a RawValue>,
}

/// The elements of a top-level array, or of the array an object of the
/// source holds its records in: a KSeF metadata page's or export's
/// `invoices`, the status service's `messages`. Syntax errors carry their
/// line.
fn json_items(text: &str, source: Source) -> Result<Vec<&RawValue>, (Option<u64>, String)> {
    let located = |e: serde_json::Error| {
        let line = u64::try_from(e.line()).ok().filter(|&l| l > 0);
        (line, format!("not valid JSON: {e}"))
    };
    let whole: &RawValue = serde_json::from_str(text).map_err(located)?;
    let key = match source {
        Source::Announcements => "messages",
        _ => "invoices",
    };
    let shape = |e: serde_json::Error| {
        (
            None,
            format!("JSON is not an array of records nor an object with a \"{key}\" array: {e}"),
        )
    };
    match whole.get().trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str::<Vec<&RawValue>>(whole.get()).map_err(shape),
        _ if source == Source::Announcements => {
            serde_json::from_str::<StatusObject<'_>>(whole.get())
                .map(|p| p.messages)
                .map_err(shape)
        }
        _ => serde_json::from_str::<InvoicesPage<'_>>(whole.get())
            .map(|p| p.invoices)
            .map_err(shape),
    }
}

/// A field of a JSON object as text; `a.b` looks inside nested objects.
fn json_field(obj: &Json, path: &str) -> Option<String> {
    let mut v = obj;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    match v {
        // Empty, which the builder reads as null: `None` is kept for a
        // missing key, where a constant may stand in.
        Json::Null => Some(String::new()),
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(number_text(n)),
        Json::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// A JSON number as the shortest text that reads back as the same value
/// (`0.30000000000000004` stays so): the amount parser decides in decimal
/// whether what is left past the grosze is a double's noise (contract
/// section 2), so no digit is rounded away here first.
fn number_text(n: &serde_json::Number) -> String {
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The status service's object form is read like its array; a KSeF
    /// page's shape error names the array that source expects.
    #[test]
    fn json_objects_hold_their_sources_records() {
        let status = r#"{"status": "FAILURE", "messages": [{"id": "K/1"}, {"id": "K/2"}]}"#;
        let items = json_items(status, Source::Announcements).unwrap();
        assert_eq!(items.len(), 2);
        let err = json_items(status, Source::KsefMetadata).unwrap_err();
        assert!(err.1.contains("\"invoices\" array"), "{err:?}");
        let err = json_items(r#"{"invoices": []}"#, Source::Announcements).unwrap_err();
        assert!(err.1.contains("\"messages\" array"), "{err:?}");
    }

    /// An NBP table's rates are rows beside its date and number.
    #[test]
    fn nbp_tables_are_flattened_into_rates() {
        let text = r#"[{"table":"A","no":"002/A/NBP/2027","effectiveDate":"2027-01-05",
  "rates":[{"currency":"euro","code":"EUR","mid":4.2693},{"currency":"dolar","code":"USD","mid":3.9}]},
 {"table":"A","no":"003/A/NBP/2027","effectiveDate":"2027-01-07","rates":[{"code":"EUR","mid":"x"}]}]"#;
        let config = crate::config::SourceConfig::default();
        let input = super::super::input::SourceInput {
            source: Source::Rates,
            file: "rates/a.json",
            bytes: text.as_bytes(),
            config: &config,
        };
        let mut builder = super::super::table::TableBuilder::new(Source::Rates.fields());
        let mut rejected = Vec::new();
        super::super::read::read_file(&input, &mut builder, &mut rejected);
        assert_eq!(builder.len(), 2);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].line, Some(3));
    }

    #[test]
    fn json_numbers_keep_their_digits_for_the_amount_parser() {
        let v: Json = serde_json::from_str(
            r#"{"a": 0.30000000000000004, "b": 12, "c": {"d": "x"}, "e": 683.0600000000001, "f": 1e21}"#,
        )
        .unwrap();
        assert_eq!(json_field(&v, "a").as_deref(), Some("0.30000000000000004"));
        assert_eq!(json_field(&v, "e").as_deref(), Some("683.0600000000001"));
        let dialect = crate::config::Dialect::default();
        let amount = |name| dialect.parse_amount(&json_field(&v, name).unwrap());
        assert_eq!(amount("a"), Ok(30));
        assert_eq!(amount("e"), Ok(68306));
        assert!(amount("f").is_err());
        assert_eq!(json_field(&v, "b").as_deref(), Some("12"));
        assert_eq!(json_field(&v, "c.d").as_deref(), Some("x"));
        assert_eq!(json_field(&v, "c.e"), None);
    }
}
