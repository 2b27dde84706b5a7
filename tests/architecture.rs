//! The architecture, checked: every `.rs` file under `src/` belongs to a
//! layer (see `docs/ARCHITECTURE.md`), and imports run one way, bottom to
//! top. The checker is plain functions over `(path, text)` pairs, so the
//! tests at the bottom show it failing on deliberately wrong inputs as well
//! as passing on good ones; `the_source_tree_keeps_its_layers` runs it on
//! the real tree.
//!
//! What it reads: the `crate::…` paths of every file, in `use` declarations
//! (grouped `use crate::{a, b::c}` included) and inline in code, with
//! `super::` and `self::` paths resolved against the file's module (inline
//! `mod name { … }` blocks included); comments and string literals are
//! skipped. What fails, each failure naming the file, the line and the
//! import (or function):
//! - an import of a module of a higher layer;
//! - a model importing another model, or experiment, batch, report,
//!   validate, replay or cli;
//! - `engine` importing anything else of the crate;
//! - `report` importing `experiment` or `batch`;
//! - a model file mentioning `std::fs`, `File::open`, `File::create` or
//!   `OpenOptions`;
//! - an import cycle between top-level modules;
//! - a model folder without one of the six skeleton files;
//! - a function of 80 lines or more (from its `fn` line to its closing brace);
//! - a file whose top-level module is in no layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, bottom to top: a file may import its own layer and those
/// below (without cycles). `main.rs` and `lib.rs` sit above them all.
const LAYERS: &[(&str, &[&str])] = &[
    ("engine", &["engine"]),
    (
        "shared parts",
        &[
            "error", "units", "suggest", "dist", "stats", "station", "cache", "world", "workload",
            "faults", "prices", "run", "study",
        ],
    ),
    ("models", &["models"]),
    ("experiment and validate", &["experiment", "validate"]),
    ("batch", &["batch"]),
    ("report", &["report"]),
    ("replay", &["replay"]),
    ("cli", &["cli"]),
];

/// What a model may not import besides other models (all above it anyway;
/// named so that the message says why).
const MODEL_FORBIDDEN: &[&str] = &["experiment", "batch", "report", "validate", "replay", "cli"];

/// The skeleton every model folder has.
const SKELETON: &[&str] = &[
    "params.rs",
    "defaults.rs",
    "check.rs",
    "setup.rs",
    "model.rs",
    "output.rs",
];

/// Functions must be shorter than this many lines.
const MAX_FUNCTION_LINES: usize = 80;

/// File-system access a model file may not mention.
const FILE_ACCESS: &[&[&str]] = &[
    &["std", "::", "fs"],
    &["File", "::", "open"],
    &["File", "::", "create"],
    &["OpenOptions"],
];

// ---------------------------------------------------------------- tokens

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// An identifier or keyword (`$crate` included, with its `$`).
    Ident(String),
    /// Punctuation; `::` is one token.
    Punct(&'static str),
    /// A string, character or number literal (its text does not matter).
    Literal,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: usize,
}

impl Token {
    fn is_ident(&self, name: &str) -> bool {
        matches!(&self.tok, Tok::Ident(s) if s == name)
    }
    fn is_punct(&self, p: &str) -> bool {
        matches!(&self.tok, Tok::Punct(s) if *s == p)
    }
    fn ident(&self) -> Option<&str> {
        match &self.tok {
            Tok::Ident(s) => Some(s),
            _ => None,
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// A small Rust lexer: enough to skip comments and literals and to see
/// identifiers, `::` and brackets with their lines.
struct Lexer {
    chars: Vec<char>,
    at: usize,
    line: usize,
    tokens: Vec<Token>,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.at).copied()?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn push(&mut self, tok: Tok, line: usize) {
        self.tokens.push(Token { tok, line });
    }

    fn line_comment(&mut self) {
        while let Some(c) = self.peek(0) {
            if c == '\n' {
                break;
            }
            self.bump();
        }
    }

    /// Block comments nest in Rust.
    fn block_comment(&mut self) {
        self.bump();
        self.bump();
        let mut depth = 1;
        while depth > 0 {
            match (self.peek(0), self.peek(1)) {
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    depth += 1;
                }
                (Some('*'), Some('/')) => {
                    self.bump();
                    self.bump();
                    depth -= 1;
                }
                (Some(_), _) => {
                    self.bump();
                }
                (None, _) => break,
            }
        }
    }

    /// A quoted string from its opening `"`, escapes included.
    fn string(&mut self) {
        self.bump();
        while let Some(c) = self.bump() {
            match c {
                '\\' => {
                    self.bump();
                }
                '"' => break,
                _ => {}
            }
        }
    }

    /// A raw string from its `r`: `r"…"`, `r#"…"#` and so on.
    fn raw_string(&mut self) {
        self.bump();
        let mut hashes = 0;
        while self.peek(0) == Some('#') {
            self.bump();
            hashes += 1;
        }
        self.bump();
        while let Some(c) = self.bump() {
            if c == '"' && (0..hashes).all(|i| self.peek(i) == Some('#')) {
                for _ in 0..hashes {
                    self.bump();
                }
                break;
            }
        }
    }

    /// Whether a raw string starts here (`r"` or `r#…#"`), not a raw
    /// identifier (`r#match`).
    fn raw_string_ahead(&self) -> bool {
        let mut i = 1;
        while self.peek(i) == Some('#') {
            i += 1;
        }
        self.peek(i) == Some('"')
    }

    /// A character literal or a lifetime, from its `'`.
    fn quote(&mut self, line: usize) {
        self.bump();
        match (self.peek(0), self.peek(1)) {
            (Some('\\'), _) => {
                self.bump();
                self.bump();
                while let Some(c) = self.bump() {
                    if c == '\'' {
                        break;
                    }
                }
                self.push(Tok::Literal, line);
            }
            (Some(_), Some('\'')) => {
                self.bump();
                self.bump();
                self.push(Tok::Literal, line);
            }
            _ => {
                // A lifetime or label: its name is of no interest.
                while self.peek(0).is_some_and(is_ident_char) {
                    self.bump();
                }
            }
        }
    }

    fn word(&mut self) -> String {
        let mut word = String::new();
        while let Some(c) = self.peek(0).filter(|&c| is_ident_char(c)) {
            word.push(c);
            self.bump();
        }
        word
    }

    /// A literal with a prefix (`b"…"`, `br"…"`, `c"…"`, `b'x'`), if one
    /// starts here.
    fn prefixed_literal(&mut self, line: usize) -> bool {
        let (c0, c1, c2) = (self.peek(0), self.peek(1), self.peek(2));
        match (c0, c1, c2) {
            (Some('b' | 'c'), Some('"'), _) => {
                self.bump();
                self.string();
            }
            (Some('b' | 'c'), Some('r'), Some('"' | '#')) => {
                self.bump();
                self.raw_string();
            }
            (Some('r'), Some('"' | '#'), _) if self.raw_string_ahead() => self.raw_string(),
            (Some('b'), Some('\''), _) => {
                self.bump();
                self.quote(line);
                return true;
            }
            _ => return false,
        }
        self.push(Tok::Literal, line);
        true
    }

    fn punct(&mut self, c: char, line: usize) {
        const PUNCT: &[&str] = &[
            "{", "}", "(", ")", "[", "]", "<", ">", ";", ",", "*", "=", "#", "!", ".", "-", "&",
            "|", "+", "/", "%", "^", "@", "?", "~", ":",
        ];
        if c == ':' && self.peek(1) == Some(':') {
            self.bump();
            self.bump();
            self.push(Tok::Punct("::"), line);
            return;
        }
        self.bump();
        let text = c.to_string();
        if let Some(p) = PUNCT.iter().find(|p| **p == text) {
            self.push(Tok::Punct(p), line);
        }
    }

    fn run(mut self) -> Vec<Token> {
        while let Some(c) = self.peek(0) {
            let line = self.line;
            match (c, self.peek(1)) {
                (c, _) if c.is_whitespace() => {
                    self.bump();
                }
                ('/', Some('/')) => self.line_comment(),
                ('/', Some('*')) => self.block_comment(),
                ('"', _) => {
                    self.string();
                    self.push(Tok::Literal, line);
                }
                ('\'', _) => self.quote(line),
                (c, _) if c.is_ascii_digit() => {
                    self.word();
                    self.push(Tok::Literal, line);
                }
                ('$', Some(n)) if is_ident_start(n) => {
                    self.bump();
                    let word = self.word();
                    self.push(Tok::Ident(format!("${word}")), line);
                }
                (c, _) if is_ident_start(c) => {
                    if self.prefixed_literal(line) {
                        continue;
                    }
                    if c == 'r' && self.peek(1) == Some('#') {
                        self.bump();
                        self.bump();
                    }
                    let word = self.word();
                    self.push(Tok::Ident(word), line);
                }
                (c, _) => self.punct(c, line),
            }
        }
        self.tokens
    }
}

fn tokens(text: &str) -> Vec<Token> {
    Lexer {
        chars: text.chars().collect(),
        at: 0,
        line: 1,
        tokens: Vec::new(),
    }
    .run()
}

// --------------------------------------------------------------- imports

/// One path a file names: where, as written, and resolved to segments
/// from the crate root (`None` when it is not a path into the crate).
#[derive(Clone, Debug)]
struct Import {
    line: usize,
    written: String,
    resolved: Option<Vec<String>>,
}

/// The module path of a file from its path under `src/`:
/// `src/report/charts/build.rs` is `report::charts::build`.
fn module_of(path: &str) -> Vec<String> {
    let inner = path.strip_prefix("src/").unwrap_or(path);
    let inner = inner.strip_suffix(".rs").unwrap_or(inner);
    let mut segments: Vec<String> = inner.split('/').map(String::from).collect();
    if segments.last().is_some_and(|s| s == "mod") {
        segments.pop();
    }
    if segments == ["lib"] || segments == ["main"] {
        segments.clear();
    }
    segments
}

/// Resolves a written path against module `here`: `crate::`, `$crate::`,
/// `self::` and `super::` paths; anything else (std, other crates, child
/// modules named directly) stays inside its module and resolves to `None`.
fn resolve(segments: &[String], here: &[String]) -> Option<Vec<String>> {
    let first = segments.first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" | "$crate" => return Some(segments[1..].to_vec()),
        "self" | "super" => here.to_vec(),
        _ => return None,
    };
    let mut rest = segments;
    if first == "self" {
        rest = &rest[1..];
    }
    while rest.first().is_some_and(|s| s == "super") {
        base.pop()?;
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// Expands the use tree starting at `tokens[*i]` under `prefix` into full
/// paths; stops before the `,`, `}` or `;` that ends it.
fn use_tree(tokens: &[Token], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    while let Some(t) = tokens.get(*i) {
        if t.is_punct(",") || t.is_punct("}") || t.is_punct(";") {
            break;
        }
        *i += 1;
        if t.is_punct("{") {
            loop {
                use_tree(tokens, i, path.clone(), out);
                match tokens.get(*i) {
                    Some(t) if t.is_punct(",") => *i += 1,
                    Some(t) if t.is_punct("}") => {
                        *i += 1;
                        return;
                    }
                    _ => return,
                }
            }
        } else if t.is_ident("as") {
            *i += 1;
        } else if t.is_punct("*") {
            path.push("*".into());
        } else if let Some(name) = t.ident() {
            // `use a::{self, b}`: `self` names `a` itself.
            if name != "self" || path.is_empty() {
                path.push(name.to_string());
            }
        }
    }
    if !path.is_empty() {
        out.push(path);
    }
}

/// The module path at each token: the file's module with the inline
/// `mod name { … }` blocks that enclose the token.
fn modules_at(tokens: &[Token], file_module: &[String]) -> Vec<Vec<String>> {
    let mut here = file_module.to_vec();
    let mut open: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut at = Vec::with_capacity(tokens.len());
    for (k, t) in tokens.iter().enumerate() {
        at.push(here.clone());
        if t.is_punct("{") {
            depth += 1;
            let name = (k >= 2 && tokens[k - 2].is_ident("mod"))
                .then(|| tokens[k - 1].ident())
                .flatten();
            if let Some(name) = name {
                here.push(name.to_string());
                open.push(depth);
            }
        } else if t.is_punct("}") {
            if open.last() == Some(&depth) {
                open.pop();
                here.pop();
            }
            depth = depth.saturating_sub(1);
        }
    }
    at
}

/// Every path into the crate that `text` names, in `use` declarations and
/// inline, resolved from the module of `path`.
fn imports(path: &str, text: &str) -> Vec<Import> {
    let tokens = tokens(text);
    let modules = modules_at(&tokens, &module_of(path));
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if t.is_ident("use") {
            let line = t.line;
            let here = &modules[i];
            i += 1;
            let mut paths = Vec::new();
            use_tree(&tokens, &mut i, Vec::new(), &mut paths);
            for p in paths {
                found.push(Import {
                    line,
                    written: p.join("::"),
                    resolved: resolve(&p, here),
                });
            }
            continue;
        }
        let starts_path = matches!(t.ident(), Some("crate" | "$crate" | "super" | "self"))
            && tokens.get(i + 1).is_some_and(|n| n.is_punct("::"))
            && !(i > 0 && tokens[i - 1].is_punct("::"));
        if starts_path {
            let mut segments = vec![t.ident().unwrap_or_default().to_string()];
            let mut j = i + 1;
            while tokens.get(j).is_some_and(|n| n.is_punct("::")) {
                match tokens.get(j + 1).and_then(Token::ident) {
                    Some(name) => segments.push(name.to_string()),
                    None => break,
                }
                j += 2;
            }
            found.push(Import {
                line: t.line,
                written: segments.join("::"),
                resolved: resolve(&segments, &modules[i]),
            });
            i = j;
            continue;
        }
        i += 1;
    }
    found
}

// ----------------------------------------------------------------- units

/// Where a file or an import belongs: its top-level module, and under
/// `models` the model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Unit {
    top: String,
    model: Option<String>,
}

impl Unit {
    fn of_module(module: &[String]) -> Unit {
        let top = module
            .first()
            .cloned()
            .unwrap_or_else(|| "crate root".into());
        let model = if top == "models" {
            module.get(1).cloned()
        } else {
            None
        };
        Unit { top, model }
    }

    fn name(&self) -> String {
        match &self.model {
            Some(m) => format!("{}::{m}", self.top),
            None => self.top.clone(),
        }
    }
}

/// The layer of a top-level module (0 = bottom), `LAYERS.len()` for the
/// crate root, `None` for a module in no layer.
fn layer_of(top: &str) -> Option<usize> {
    if top == "crate root" {
        return Some(LAYERS.len());
    }
    LAYERS.iter().position(|(_, tops)| tops.contains(&top))
}

fn layer_name(layer: usize) -> &'static str {
    LAYERS.get(layer).map_or("the crate root", |(name, _)| name)
}

// ---------------------------------------------------------------- checks

/// The composite models and the models they are built of: `system` runs
/// the CDN and push models as its parts (each with its own code).
const COMPOSITES: &[(&str, &[&str])] = &[("system", &["cdn", "push"])];

/// Whether `from` is a composite model importing one of its parts.
fn composes(from: &Unit, to: &Unit) -> bool {
    let (Some(from), Some(to)) = (from.model.as_deref(), to.model.as_deref()) else {
        return false;
    };
    COMPOSITES
        .iter()
        .any(|(composite, parts)| *composite == from && parts.contains(&to))
}

/// Why importing `to` from `from` breaks the layers, if it does.
fn import_problem(from: &Unit, to: &Unit) -> Option<String> {
    if from.top == to.top && from.model == to.model {
        return None;
    }
    if from.top == "engine" {
        return Some("the engine imports nothing else of the crate".into());
    }
    let to_layer = layer_of(&to.top)?;
    if from.model.is_some() {
        if to.model.is_some() && !composes(from, to) {
            return Some(format!(
                "model {} imports another model",
                from.model.as_deref().unwrap_or_default()
            ));
        }
        if MODEL_FORBIDDEN.contains(&to.top.as_str()) {
            return Some(format!("a model never imports {}", to.top));
        }
    }
    if from.top == "report" && (to.top == "experiment" || to.top == "batch") {
        return Some(format!("report never imports {}", to.top));
    }
    let from_layer = layer_of(&from.top)?;
    (to_layer > from_layer).then(|| {
        format!(
            "a module of a higher layer: {} is in layer {} ({}), {} in layer {} ({})",
            from.top,
            from_layer + 1,
            layer_name(from_layer),
            to.name(),
            to_layer + 1,
            layer_name(to_layer)
        )
    })
}

fn check_imports(path: &str, imports: &[Import], failures: &mut Vec<String>) {
    let from = Unit::of_module(&module_of(path));
    for import in imports {
        let Some(resolved) = &import.resolved else {
            continue;
        };
        if resolved.is_empty() || resolved[0] == "*" {
            failures.push(format!(
                "{path}:{}: `{}` imports the whole crate",
                import.line, import.written
            ));
            continue;
        }
        let to = Unit::of_module(resolved);
        if layer_of(&to.top).is_none() {
            failures.push(format!(
                "{path}:{}: `{}` names module `{}`, which is in no layer",
                import.line, import.written, to.top
            ));
        } else if let Some(why) = import_problem(&from, &to) {
            failures.push(format!(
                "{path}:{}: imports `{}`: {why}",
                import.line, import.written
            ));
        }
    }
}

fn check_file_access(path: &str, text: &str, failures: &mut Vec<String>) {
    if Unit::of_module(&module_of(path)).model.is_none() {
        return;
    }
    let tokens = tokens(text);
    let mut found: BTreeSet<(usize, String)> = BTreeSet::new();
    for k in 0..tokens.len() {
        for pattern in FILE_ACCESS {
            let matched = pattern.iter().enumerate().all(|(n, want)| {
                tokens.get(k + n).is_some_and(|t| match &t.tok {
                    Tok::Ident(s) => s == want,
                    Tok::Punct(p) => p == want,
                    Tok::Literal => false,
                })
            });
            if matched {
                found.insert((tokens[k].line, pattern.concat()));
            }
        }
    }
    // `use std::{fs, io}` names `std::fs` without writing it.
    for import in imports(path, text) {
        if import.written == "std::fs" || import.written.starts_with("std::fs::") {
            found.insert((import.line, "std::fs".into()));
        }
    }
    for (line, what) in found {
        failures.push(format!(
            "{path}:{line}: a model file mentions `{what}`: a model reads and writes no files"
        ));
    }
}

/// Every function with a body: its name, first line and length in lines.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let tokens = tokens(text);
    let mut found = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        let Some(name) = tokens.get(k + 1).and_then(Token::ident) else {
            continue;
        };
        if !t.is_ident("fn") || name.starts_with('$') {
            continue;
        }
        let mut nesting = 0i32;
        let mut j = k + 2;
        let body = loop {
            let Some(u) = tokens.get(j) else { break None };
            match &u.tok {
                Tok::Punct("(" | "[") => nesting += 1,
                Tok::Punct(")" | "]") => nesting -= 1,
                Tok::Punct(";") if nesting == 0 => break None,
                Tok::Punct("{") if nesting == 0 => break Some(j),
                _ => {}
            }
            j += 1;
        };
        let Some(open) = body else { continue };
        let mut depth = 0;
        for u in &tokens[open..] {
            if u.is_punct("{") {
                depth += 1;
            } else if u.is_punct("}") {
                depth -= 1;
                if depth == 0 {
                    found.push((name.to_string(), t.line, u.line - t.line + 1));
                    break;
                }
            }
        }
    }
    found
}

fn check_functions(path: &str, text: &str, failures: &mut Vec<String>) {
    for (name, line, length) in functions(text) {
        if length >= MAX_FUNCTION_LINES {
            failures.push(format!(
                "{path}:{line}: function `{name}` is {length} lines; keep functions under {MAX_FUNCTION_LINES}"
            ));
        }
    }
}

/// Every model folder has the six skeleton files; a model is a folder.
fn check_skeletons(files: &[(String, String)], failures: &mut Vec<String>) {
    let paths: BTreeSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let mut models: BTreeMap<String, bool> = BTreeMap::new();
    for path in &paths {
        let Some(rest) = path.strip_prefix("src/models/") else {
            continue;
        };
        match rest.split_once('/') {
            Some((model, _)) => {
                models.insert(model.to_string(), true);
            }
            None if rest != "mod.rs" => {
                let model = rest.strip_suffix(".rs").unwrap_or(rest);
                models.entry(model.to_string()).or_insert(false);
            }
            None => {}
        }
    }
    for (model, is_folder) in models {
        if !is_folder {
            failures.push(format!(
                "src/models/{model}.rs: model {model} is one file; a model is a folder with {}",
                SKELETON.join(", ")
            ));
            continue;
        }
        for file in SKELETON {
            let want = format!("src/models/{model}/{file}");
            if !paths.contains(want.as_str()) {
                failures.push(format!(
                    "src/models/{model}/: model {model} lacks skeleton file {file}"
                ));
            }
        }
    }
}

/// One import of `to` from a file of top-level module `from`: the file and
/// the import, to name an edge of a cycle.
type Edges = BTreeMap<String, BTreeMap<String, String>>;

/// Import cycles between top-level modules: each strongly connected group
/// of two or more, with one import per edge inside it.
fn check_cycles(edges: &Edges, failures: &mut Vec<String>) {
    let nodes: Vec<&String> = edges
        .keys()
        .chain(edges.values().flat_map(|m| m.keys()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for next in edges.get(&n).into_iter().flat_map(|m| m.keys()) {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for n in &nodes {
        if reported.contains(*n) || !reachable[n].contains(*n) {
            continue;
        }
        let group: Vec<&String> = nodes
            .iter()
            .copied()
            .filter(|m| reachable[n].contains(*m) && reachable[m].contains(*n))
            .collect();
        let mut evidence = Vec::new();
        for a in &group {
            for (b, import) in edges.get(*a).into_iter().flatten() {
                if group.contains(&b) {
                    evidence.push(format!("{a} -> {b} ({import})"));
                }
            }
        }
        reported.extend(group.iter().map(|m| m.to_string()));
        let names: Vec<&str> = group.iter().map(|m| m.as_str()).collect();
        failures.push(format!(
            "import cycle between top-level modules {}: {}",
            names.join(", "),
            evidence.join("; ")
        ));
    }
}

/// Checks a source tree given as `(path, text)` pairs, paths relative to
/// the crate (`src/…`); returns every failure, empty when all is well.
fn check(files: &[(String, String)]) -> Vec<String> {
    let mut failures = Vec::new();
    let mut edges: Edges = BTreeMap::new();
    for (path, text) in files {
        let from = Unit::of_module(&module_of(path));
        if layer_of(&from.top).is_none() {
            failures.push(format!(
                "{path}: top-level module `{}` is in no layer; add it to the layers of tests/architecture.rs and docs/ARCHITECTURE.md",
                from.top
            ));
        }
        let found = imports(path, text);
        check_imports(path, &found, &mut failures);
        for import in &found {
            let Some(to) = import.resolved.as_ref().and_then(|r| r.first()) else {
                continue;
            };
            if *to != from.top && to != "*" {
                edges
                    .entry(from.top.clone())
                    .or_default()
                    .entry(to.clone())
                    .or_insert_with(|| format!("{path}:{}: {}", import.line, import.written));
            }
        }
        check_file_access(path, text, &mut failures);
        check_functions(path, text, &mut failures);
    }
    check_skeletons(files, &mut failures);
    check_cycles(&edges, &mut failures);
    failures
}

/// Every `.rs` file under `dir`, as (path relative to the crate, text).
fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_tree(root, &path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let relative = path.strip_prefix(root).expect("under the crate");
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, text));
        }
    }
}

#[test]
fn the_source_tree_keeps_its_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    read_tree(root, &root.join("src"), &mut files);
    assert!(files.len() > 100, "read only {} files", files.len());
    let failures = check(&files);
    assert!(
        failures.is_empty(),
        "{} architecture failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ------------------------------------------------------ the checker itself

/// A small tree that keeps every rule.
fn good_tree() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = [
        ("src/lib.rs", "pub mod engine;\npub mod models;\n"),
        ("src/main.rs", "fn main() { edgesim::cli::main(); }\n"),
        ("src/engine/mod.rs", "pub mod time;\nuse self::time::SimTime;\n"),
        ("src/engine/time.rs", "pub struct SimTime(pub u64);\n"),
        ("src/units.rs", "use crate::engine::SimTime;\n"),
        ("src/study/mod.rs", "use crate::{engine::SimTime, units};\n"),
        ("src/run.rs", "pub fn f() -> crate::engine::SimTime { todo!() }\n"),
        (
            "src/experiment/models.rs",
            "use crate::models::{queue::{self, QueueParams}, occ};\n",
        ),
        ("src/batch/mod.rs", "use crate::experiment::Experiment;\nuse crate::study::RunRecord;\n"),
        (
            "src/report/mod.rs",
            "//! Never `use crate::batch;` here.\nuse crate::study::{Study, RunRecord};\nconst S: &str = \"crate::batch::x\";\n",
        ),
        ("src/report/charts/build.rs", "use super::super::tables::Tables;\n"),
        ("src/replay/mod.rs", "use crate::report::charts;\n"),
        ("src/cli/mod.rs", "use crate::{batch, report, replay};\n"),
        ("src/models/mod.rs", "pub mod occ;\npub mod queue;\n"),
    ]
    .into_iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect();
    for model in ["queue", "occ"] {
        for file in SKELETON {
            let text = match *file {
                "model.rs" => {
                    "use super::params::Params;\nuse crate::engine::{Model, Scheduler};\nuse crate::run::RunContext;\n#[cfg(test)]\nmod tests {\n    use super::super::setup;\n}\n"
                }
                _ => "use crate::units::Rate;\n",
            };
            files.push((format!("src/models/{model}/{file}"), text.to_string()));
        }
    }
    files
}

/// `good_tree` with `path` set to `text`.
fn with(path: &str, text: &str) -> Vec<(String, String)> {
    let mut files = good_tree();
    files.retain(|(p, _)| p != path);
    files.push((path.to_string(), text.to_string()));
    files
}

/// `files` fail with every one of `expected` (each a part of a failure
/// message), and with nothing else.
fn assert_fails(files: &[(String, String)], expected: &[&str]) {
    let failures = check(files);
    for want in expected {
        assert!(
            failures.iter().any(|f| f.contains(want)),
            "expected a failure containing {want:?}, got:\n{}",
            failures.join("\n")
        );
    }
    for failure in &failures {
        assert!(
            expected.iter().any(|want| failure.contains(want)),
            "unexpected failure: {failure}"
        );
    }
}

#[test]
fn a_good_tree_passes() {
    let failures = check(&good_tree());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_model_importing_another_model_fails() {
    let files = with(
        "src/models/occ/setup.rs",
        "use crate::units::Rate;\n\nfn f() {\n    let _ = crate::models::queue::theory::erlang_c(1, 0.5);\n}\n",
    );
    assert_fails(
        &files,
        &[
            "src/models/occ/setup.rs:4: imports `crate::models::queue::theory::erlang_c`: model occ imports another model",
        ],
    );
    // Through `super::super`, too.
    let files = with(
        "src/models/occ/check.rs",
        "use super::super::queue::QueueParams;\n",
    );
    assert_fails(
        &files,
        &[
            "src/models/occ/check.rs:1: imports `super::super::queue::QueueParams`: model occ imports another model",
        ],
    );
}

#[test]
fn a_model_importing_the_layers_above_fails() {
    // Where the layers above import the models, the import closes a cycle
    // as well.
    for (import, top, cycle) in [
        ("crate::validate::cache", "validate", None),
        (
            "crate::experiment::spec",
            "experiment",
            Some("import cycle between top-level modules experiment, models:"),
        ),
        ("crate::report::output", "report", None),
        (
            "crate::cli",
            "cli",
            Some("import cycle between top-level modules batch, cli, experiment, models:"),
        ),
    ] {
        let text = format!("#[cfg(test)]\nmod tests {{\n    use {import};\n}}\n");
        let files = with("src/models/queue/output.rs", &text);
        let layers = format!(
            "src/models/queue/output.rs:3: imports `{import}`: a model never imports {top}"
        );
        let mut expected = vec![layers.as_str()];
        expected.extend(cycle);
        assert_fails(&files, &expected);
    }
}

#[test]
fn report_importing_batch_or_experiment_fails() {
    let files = with(
        "src/report/tables.rs",
        "use crate::{study::Study, batch::records::RunStore};\n",
    );
    assert_fails(
        &files,
        &[
            "src/report/tables.rs:1: imports `crate::batch::records::RunStore`: report never imports batch",
        ],
    );
    let files = with(
        "src/report/charts/sweep.rs",
        "use crate::study::{\n    Study,\n    plotspec::PlotSpec,\n};\nfn f() -> usize {\n    crate::experiment::MAX_RUNS\n}\n",
    );
    assert_fails(
        &files,
        &[
            "src/report/charts/sweep.rs:6: imports `crate::experiment::MAX_RUNS`: report never imports experiment",
        ],
    );
}

#[test]
fn the_engine_importing_the_crate_fails() {
    let files = with(
        "src/engine/time.rs",
        "use crate::units::Duration;\npub struct SimTime(pub u64);\n",
    );
    assert_fails(
        &files,
        &[
            "src/engine/time.rs:1: imports `crate::units::Duration`: the engine imports nothing else of the crate",
            // units imports the engine: a cycle as well.
            "import cycle between top-level modules engine, units: engine -> units",
        ],
    );
}

#[test]
fn a_lower_layer_importing_a_higher_one_fails() {
    let files = with("src/study/mod.rs", "use crate::experiment::Experiment;\n");
    assert_fails(
        &files,
        &[
            "src/study/mod.rs:1: imports `crate::experiment::Experiment`: a module of a higher layer: study is in layer 2 (shared parts), experiment in layer 4 (experiment and validate)",
        ],
    );
    let files = with("src/batch/mod.rs", "use crate::report::publish;\n");
    assert_fails(
        &files,
        &[
            "src/batch/mod.rs:1: imports `crate::report::publish`: a module of a higher layer: batch is in layer 5 (batch), report in layer 6 (report)",
        ],
    );
}

#[test]
fn file_access_in_a_model_fails() {
    let files = with(
        "src/models/queue/setup.rs",
        "// std::fs in a comment is fine.\nuse std::{fs, io};\nfn f() {\n    let _ = std::fs::File::open(\"x\");\n}\n",
    );
    assert_fails(
        &files,
        &[
            "src/models/queue/setup.rs:2: a model file mentions `std::fs`",
            "src/models/queue/setup.rs:4: a model file mentions `std::fs`",
            "src/models/queue/setup.rs:4: a model file mentions `File::open`",
        ],
    );
    let files = with(
        "src/models/occ/output.rs",
        "use std::fs::File;\nfn f() { File::create(\"y\"); }\n",
    );
    assert_fails(
        &files,
        &[
            "src/models/occ/output.rs:1: a model file mentions `std::fs`",
            "src/models/occ/output.rs:2: a model file mentions `File::create`",
        ],
    );
    // Outside the models, files are fine.
    assert!(check(&with("src/batch/mod.rs", "use std::fs;\n")).is_empty());
}

#[test]
fn an_import_cycle_fails() {
    let files = with(
        "src/units.rs",
        "use crate::{engine::SimTime, study::Study};\n",
    );
    assert_fails(
        &files,
        &[
            "import cycle between top-level modules study, units:",
            "study -> units (src/study/mod.rs:1: crate::units)",
            "units -> study (src/units.rs:1: crate::study::Study)",
        ],
    );
    // Three modules around, through an inline path.
    let mut files = with("src/dist.rs", "use crate::units::Rate;\n");
    files.push((
        "src/stats.rs".into(),
        "fn f() -> crate::dist::D { todo!() }\n".into(),
    ));
    files.retain(|(p, _)| p != "src/units.rs");
    files.push(("src/units.rs".into(), "use crate::stats;\n".into()));
    assert_fails(
        &files,
        &["import cycle between top-level modules dist, stats, units:"],
    );
}

#[test]
fn a_long_function_fails() {
    let body: String = (0..77).map(|i| format!("    let _x{i} = {i};\n")).collect();
    let long = format!("pub fn long_one(a: u32) -> u32 {{\n{body}    a\n}}\n");
    let files = with("src/report/html.rs", &long);
    assert_fails(
        &files,
        &["src/report/html.rs:1: function `long_one` is 80 lines"],
    );
    // One line shorter passes; braces in strings and comments do not count.
    let body: String = (0..76)
        .map(|i| format!("    let _x{i} = \"}}{i}\"; // }}\n"))
        .collect();
    let short = format!("fn short_one() {{\n{body}    let _c = '}}';\n}}\n");
    assert_eq!(functions(&short), vec![("short_one".to_string(), 1, 79)]);
    assert!(check(&with("src/report/html.rs", &short)).is_empty());
}

#[test]
fn a_model_without_its_skeleton_fails() {
    let mut files = good_tree();
    files.retain(|(p, _)| p != "src/models/occ/defaults.rs");
    files.push((
        "src/models/push.rs".into(),
        "use crate::units::Rate;\n".into(),
    ));
    assert_fails(
        &files,
        &[
            "src/models/occ/: model occ lacks skeleton file defaults.rs",
            "src/models/push.rs: model push is one file",
        ],
    );
}

#[test]
fn a_module_in_no_layer_fails() {
    let files = with("src/gadgets/mod.rs", "use crate::units::Rate;\n");
    assert_fails(
        &files,
        &["src/gadgets/mod.rs: top-level module `gadgets` is in no layer"],
    );
}

#[test]
fn imports_are_read_from_every_form() {
    let text = "\
use crate::{a, b::{c, d::e as f}, g::*};
pub(crate) use super::h;
/* use crate::hidden; /* nested */ crate::hidden2 */
fn x<'a>(s: &'a str) -> char {
    let _ = r#\"crate::in_raw\"#;
    let _ = b'c';
    let _ = crate::i::j::<u8>();
    '\"'
}
mod inner {
    use super::super::k;
}
";
    let found: Vec<String> = imports("src/report/charts/build.rs", text)
        .into_iter()
        .map(|i| format!("{}:{}", i.line, i.resolved.unwrap_or_default().join("::")))
        .collect();
    assert_eq!(
        found,
        [
            "1:a",
            "1:b::c",
            "1:b::d::e",
            "1:g::*",
            "2:report::charts::h",
            "7:i::j",
            "11:report::charts::k",
        ]
    );
}
