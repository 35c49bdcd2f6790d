//! The code's layout, checked: no two source files import each other
//! (directly or round a circle), no module imports one of a higher layer,
//! and no function outside the tests is longer than 80 lines.
//!
//! A short reader of `src/` rather than a tool to install: it strips
//! comments and string literals, follows every `crate::`, `super::`,
//! `self::` and child-module path (and `ksef_recon::` in `main.rs`) to the
//! file that defines it, and counts a function from its `fn` line to its
//! closing brace. The test modules at the end of a file (`#[cfg(test)]`)
//! are left out. docs/development.md draws the layers this test holds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crate's top-level modules from the lowest layer up. A module may
/// import its own layer and the ones below it, never one above; within a
/// layer only the circle check applies.
const LAYERS: &[&[&str]] = &[
    // The contract's words and the process's plumbing.
    &["contract", "clock", "memory", "progress"],
    // Calendar, polars helpers that know no source, the texts of each language.
    &["calendar", "frame", "lang", "sql", "validate"],
    // The law's deadline, the configuration and the XML documents.
    &["deadline", "config", "documents"],
    // Reading the bundle.
    &["ingest"],
    // Cutting a bundle into parts.
    &["partition"],
    // One row per invoice.
    &["matching"],
    // The exception rules.
    &["rules"],
    // Outputs and the exception register.
    &["report", "register"],
    // The run, stage by stage.
    &["pipeline"],
    // Commands built on the run, the bundle generator, and the tables
    // export for other engines.
    &[
        "evidence",
        "explain",
        "deadline_command",
        "generate",
        "tables",
    ],
];

const MAX_FN_LINES: usize = 80;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// One source file: its module path (`""` for lib.rs, `"main"` for the
/// binary) and its text without tests, comments and literals.
struct File {
    module: String,
    path: PathBuf,
    code: String,
}

fn files() -> Vec<File> {
    let mut out = Vec::new();
    let mut stack = vec![src()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src()).unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                    parts.pop();
                }
                let text = std::fs::read_to_string(&path).unwrap();
                out.push(File {
                    module: parts.join("::"),
                    path,
                    code: strip(without_tests(&text)),
                });
            }
        }
    }
    out.sort_by(|a, b| a.module.cmp(&b.module));
    out
}

/// The text before the file's test module.
fn without_tests(text: &str) -> &str {
    let mut at = 0;
    while let Some(i) = text[at..].find("#[cfg(test)]") {
        let start = at + i;
        let rest = text[start + "#[cfg(test)]".len()..].trim_start();
        if rest.starts_with("mod ") {
            return &text[..start];
        }
        at = start + 1;
    }
    text
}

/// Comments, string and character literals blanked out (line breaks kept,
/// so lines still count); lifetimes are left alone.
fn strip(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, c: u8| out.push(if c == b'\n' { b'\n' } else { b' ' });
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    out.extend(b"  ");
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    out.extend(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
        } else if c == b'r'
            && (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#'))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        {
            // A raw string r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            out.push(b'"');
            i = j + 1;
            while i < b.len() && !b[i..].starts_with(&close) {
                blank(&mut out, b[i]);
                i += 1;
            }
            out.push(b'"');
            i += close.len();
        } else if c == b'"' {
            out.push(b'"');
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    out.push(b' ');
                    i += 1;
                }
                if i < b.len() {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
            out.push(b'"');
            i += 1;
        } else if c == b'\'' {
            // 'x', '\n', '\u{..}' are literals; 'a (no closing quote) a lifetime.
            let end = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..]
                    .iter()
                    .position(|&x| x == b'\'')
                    .map(|p| i + 2 + p)
            } else {
                let ch_len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (b.get(i + 1 + ch_len) == Some(&b'\'')).then_some(i + 1 + ch_len)
            };
            match end {
                Some(e) => {
                    out.extend(std::iter::repeat_n(b' ', e + 1 - i));
                    i = e + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every path of two or more segments in the code (`a::b::c`), with the
/// line it starts on; `use` groups (`a::{b, c::d}`) are expanded.
fn paths(code: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
        }
        let starts = is_ident(c) && (i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == ':'));
        if !starts {
            i += 1;
            continue;
        }
        let (prefixes, end) = path_at(&chars, i, Vec::new());
        for p in prefixes {
            if p.len() >= 2 {
                out.push((line, p));
            }
        }
        line += chars[i..end].iter().filter(|&&c| c == '\n').count();
        i = end.max(i + 1);
    }
    out
}

/// The path (or `use` tree) starting at `i`, with `base` before it.
fn path_at(chars: &[char], mut i: usize, base: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let mut segs = base;
    loop {
        let start = i;
        while i < chars.len() && is_ident(chars[i]) {
            i += 1;
        }
        if i == start {
            break;
        }
        segs.push(chars[start..i].iter().collect());
        let mut j = i;
        while j < chars.len() && chars[j].is_whitespace() {
            j += 1;
        }
        if chars.get(j) == Some(&':') && chars.get(j + 1) == Some(&':') {
            j += 2;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if chars.get(j) == Some(&'{') {
                return group_at(chars, j + 1, segs);
            }
            i = j;
        } else {
            break;
        }
    }
    (vec![segs], i)
}

/// A `use` group `{a, b::c, self}` after `base::`.
fn group_at(chars: &[char], mut i: usize, base: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let mut out = vec![base.clone()];
    while i < chars.len() && chars[i] != '}' {
        if is_ident(chars[i]) {
            let (found, end) = path_at(chars, i, base.clone());
            out.extend(
                found
                    .into_iter()
                    .filter(|p| p.last().is_none_or(|l| l != "self")),
            );
            i = end;
        } else {
            i += 1;
        }
    }
    (out, i + 1)
}

/// The module a path names (the longest prefix that is a file), seen from
/// `from`; `None` for paths outside the crate.
fn resolve(
    from: &File,
    children: &BTreeSet<String>,
    path: &[String],
    modules: &BTreeSet<String>,
) -> Option<String> {
    let here: Vec<String> = if from.module.is_empty() || from.module == "main" {
        Vec::new()
    } else {
        from.module.split("::").map(String::from).collect()
    };
    let mut full: Vec<String>;
    let mut rest = path;
    match path[0].as_str() {
        "crate" => {
            full = Vec::new();
            rest = &path[1..];
        }
        "ksef_recon" if from.module == "main" => {
            full = Vec::new();
            rest = &path[1..];
        }
        "self" => {
            full = here.clone();
            rest = &path[1..];
        }
        "super" => {
            full = here.clone();
            while rest.first().is_some_and(|s| s == "super") {
                full.pop();
                rest = &rest[1..];
            }
        }
        name if children.contains(name) => full = here.clone(),
        _ => return None,
    }
    full.extend(rest.iter().cloned());
    for n in (0..=full.len()).rev() {
        let candidate = full[..n].join("::");
        if modules.contains(&candidate) && candidate != "main" {
            return Some(candidate);
        }
    }
    None
}

/// The modules a file declares with `mod name;` (its children).
fn children(file: &File) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in file.code.lines() {
        let t = line
            .trim_start()
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ");
        if let Some(rest) = t.strip_prefix("mod ") {
            let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            if rest[name.len()..].trim_start().starts_with(';') {
                out.insert(name);
            }
        }
    }
    out
}

/// Every import between two files: `(from, to) -> first line`.
fn imports(files: &[File]) -> BTreeMap<(String, String), (PathBuf, usize)> {
    let modules: BTreeSet<String> = files.iter().map(|f| f.module.clone()).collect();
    let mut edges = BTreeMap::new();
    for f in files {
        let mut children = children(f);
        if f.module == "main" {
            children.clear();
        }
        for (line, path) in paths(&f.code) {
            if let Some(to) = resolve(f, &children, &path, &modules)
                && to != f.module
            {
                edges
                    .entry((f.module.clone(), to))
                    .or_insert((f.path.clone(), line));
            }
        }
    }
    edges
}

/// The circles of the import graph (strongly connected parts of more than
/// one file), each as its sorted members.
fn circles(edges: &BTreeMap<(String, String), (PathBuf, usize)>) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
        next.entry(b).or_default();
    }
    // Reachability closure: the graph has ~100 files, so simple is enough.
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(m) = todo.pop() {
            for &n in &next[m] {
                if seen.insert(n) {
                    todo.push(n);
                }
            }
        }
        seen
    };
    let all: BTreeMap<&str, BTreeSet<&str>> = next.keys().map(|&m| (m, reach(m))).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for (&m, r) in &all {
        if done.contains(m) || !r.contains(m) {
            continue;
        }
        let circle: Vec<String> = r
            .iter()
            .filter(|&&n| all[n].contains(m))
            .map(|n| n.to_string())
            .collect();
        done.extend(circle.iter().cloned());
        if circle.len() > 1 {
            out.push(circle);
        }
    }
    out
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or("")
}

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&top(module)))
}

#[test]
fn no_two_files_import_each_other() {
    let edges = imports(&files());
    let found = circles(&edges);
    let mut report = String::new();
    for circle in &found {
        report.push_str(&format!("circle: {}\n", circle.join(", ")));
        for ((a, b), (path, line)) in &edges {
            if circle.contains(a) && circle.contains(b) {
                report.push_str(&format!("  {a} -> {b} ({}:{line})\n", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "import circles:\n{report}");
}

#[test]
fn lower_layers_never_import_higher_ones() {
    let files = files();
    let tops: BTreeSet<&str> = files
        .iter()
        .map(|f| top(&f.module))
        .filter(|m| !m.is_empty() && *m != "main")
        .collect();
    let unplaced: Vec<&&str> = tops.iter().filter(|m| layer(m).is_none()).collect();
    assert!(unplaced.is_empty(), "modules in no layer: {unplaced:?}");
    let mut wrong = Vec::new();
    for ((a, b), (path, line)) in imports(&files) {
        if a.is_empty() || a == "main" {
            continue;
        }
        if b.is_empty() {
            wrong.push(format!(
                "{a} imports the crate root ({}:{line})",
                path.display()
            ));
            continue;
        }
        if layer(&a) < layer(&b) {
            wrong.push(format!(
                "{a} imports {b}, a higher layer ({}:{line})",
                path.display()
            ));
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn no_function_is_longer_than_80_lines() {
    let mut long = Vec::new();
    for f in files() {
        let lines: Vec<&str> = f.code.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let t = lines[i].trim_start();
            let is_fn = t.split_whitespace().take_while(|w| *w != "fn").all(|w| {
                matches!(
                    w,
                    "pub" | "pub(crate)" | "pub(super)" | "const" | "async" | "unsafe" | "extern"
                )
            }) && t.split_whitespace().any(|w| w == "fn");
            if !is_fn {
                i += 1;
                continue;
            }
            // From the `fn` line to the brace that closes its body; a `;`
            // outside brackets before the body ends a declaration without one
            // (one inside, as in `[u8; 4]`, does not).
            let (mut depth, mut opened, mut j) = (0i32, false, i);
            let mut brackets = 0i32;
            'body: while j < lines.len() {
                for ch in lines[j].chars() {
                    match ch {
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => depth -= 1,
                        '(' | '[' if !opened => brackets += 1,
                        ')' | ']' if !opened => brackets -= 1,
                        ';' if !opened && brackets == 0 => break 'body,
                        _ => {}
                    }
                    if opened && depth == 0 {
                        break 'body;
                    }
                }
                j += 1;
            }
            let n = j + 1 - i;
            if opened && n > MAX_FN_LINES {
                long.push(format!("{}:{} {n} lines", f.path.display(), i + 1));
            }
            i = if opened { j + 1 } else { i + 1 };
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_reader_finds_paths_in_use_groups_and_code() {
    let code = strip(
        "use crate::a::{self, b::{C, d}};\n// crate::comment\nlet s = \"crate::text\";\nsuper::e::f(x);\n",
    );
    let found: Vec<String> = paths(&code)
        .into_iter()
        .map(|(_, p)| p.join("::"))
        .collect();
    assert!(found.contains(&"crate::a".to_string()));
    assert!(found.contains(&"crate::a::b::C".to_string()));
    assert!(found.contains(&"crate::a::b::d".to_string()));
    assert!(found.contains(&"super::e::f".to_string()));
    assert!(
        !found
            .iter()
            .any(|p| p.contains("comment") || p.contains("text"))
    );
}
