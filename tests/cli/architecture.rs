//! The shape of the house, checked: no file imports a file that imports it
//! back (directly or around a circle), and no module imports from a layer
//! above its own (the README's Architecture draws the layers). Imports are
//! read from the source text: `crate::a::b` paths and `super::` paths
//! (outside comments and tests), and a parent's use of a child it declares.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, bottom first; a module may import from its own layer or below.
const LAYERS: &[&[&str]] = &[
    &["count", "error", "json", "money", "memory", "numbers", "paths", "time"],
    &["pricing", "catalog", "query", "workload", "history", "suggest", "gate", "estimate", "usage", "book"],
    &["store", "api", "sample"],
    &["output"],
    &["cli", "settings", "complete"],
    &["commands", "serve", "mcp"],
];

/// Every module of the crate (`a::b`), with its source without tests and comments.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap().with_extension("");
                let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
                if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                    parts.pop();
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                let code: Vec<&str> = code.lines().filter(|l| !l.trim_start().starts_with("//")).collect();
                out.insert(parts.join("::"), code.join("\n"));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The longest module name that `path` (`a::b::Item`) starts with.
fn resolve(path: &[&str], modules: &BTreeMap<String, String>) -> Option<String> {
    (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|m| modules.contains_key(m))
}

/// The words of a path written from byte `at` on: `a::b::{c, d}` gives `a::b::c` and `a::b::d`.
fn paths_at(text: &str, at: usize) -> Vec<Vec<String>> {
    let rest = &text[at..];
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
    let head: Vec<String> = rest[..end].split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect();
    if rest[end..].starts_with('{') {
        let group = &rest[end + 1..rest[end..].find('}').map_or(rest.len(), |i| end + i)];
        group
            .split(',')
            .map(|item| {
                let mut p = head.clone();
                p.extend(item.split("::").map(|w| w.split_whitespace().next().unwrap_or("").to_owned()));
                p
            })
            .collect()
    } else {
        vec![head]
    }
}

/// Each module's imports of other modules.
fn imports(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, text) in modules {
        let own: Vec<&str> = name.split("::").filter(|s| !s.is_empty()).collect();
        let is_dir = modules.keys().any(|m| m.starts_with(&format!("{name}::"))) || name.is_empty();
        let base: Vec<&str> = if is_dir { own.clone() } else { own[..own.len().saturating_sub(1)].to_vec() };
        let mut found = BTreeSet::new();
        for (at, _) in text.match_indices("crate::") {
            for p in paths_at(text, at + "crate::".len()) {
                found.extend(resolve(&p.iter().map(String::as_str).collect::<Vec<_>>(), modules));
            }
        }
        for (at, _) in text.match_indices("super::") {
            if text[..at].ends_with("super::") {
                continue;
            }
            let mut ups = 0;
            let mut i = at;
            while text[i..].starts_with("super::") {
                ups += 1;
                i += "super::".len();
            }
            let up = &base[..base.len().saturating_sub(ups - 1)];
            for p in paths_at(text, i) {
                let full: Vec<&str> = up.iter().copied().chain(p.iter().map(String::as_str)).collect();
                found.extend(resolve(&full, modules));
            }
        }
        for line in text.lines() {
            let decl = line.trim().trim_start_matches("pub ").trim_start_matches("pub(crate) ");
            if let Some(child) = decl.strip_prefix("mod ").and_then(|c| c.strip_suffix(';')) {
                let full = if name.is_empty() { child.to_owned() } else { format!("{name}::{child}") };
                let used = text.contains(&format!("{child}::")) || text.contains(&format!("self::{child}"));
                if used && modules.contains_key(&full) {
                    found.insert(full);
                }
            }
        }
        found.remove(name);
        found.remove("");
        edges.insert(name.clone(), found);
    }
    edges
}

fn layer(module: &str) -> usize {
    let top = module.split("::").next().unwrap_or_default();
    if top.is_empty() {
        return LAYERS.len();
    }
    LAYERS.iter().position(|l| l.contains(&top)).unwrap_or_else(|| panic!("{top} is in no layer: add it to LAYERS"))
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let edges = imports(&modules());
    let up: Vec<String> = edges
        .iter()
        .flat_map(|(from, to)| to.iter().filter(|t| layer(t) > layer(from)).map(move |t| format!("{from} -> {t}")))
        .collect();
    assert!(up.is_empty(), "imports from a layer above: {up:#?}");
    assert!(edges["usage::ledger"].contains("usage::report"), "the reader of imports reads imports");
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let edges = imports(&modules());
    // Depth-first: a file met again while still on the path closes a circle.
    fn visit<'a>(
        m: &'a str,
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| *p == m) {
            return Some(path[i..].iter().chain([&m]).map(|s| s.to_string()).collect());
        }
        if !done.insert(m) {
            return None;
        }
        path.push(m);
        for next in &edges[m] {
            if let Some(circle) = visit(next, edges, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        let circle = visit(m, &edges, &mut Vec::new(), &mut done);
        assert!(circle.is_none(), "an import circle: {}", circle.unwrap_or_default().join(" -> "));
    }
}

#[test]
fn the_readme_names_every_module_under_its_parent() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("## Architecture").expect("an Architecture section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let line_of = |top: &str| section.lines().find(|l| l.starts_with(&format!("- `{top}`")));
    let mut missing = Vec::new();
    for module in modules().keys() {
        let parts: Vec<&str> = if module.is_empty() { vec!["lib"] } else { module.split("::").collect() };
        match line_of(parts[0]) {
            None => missing.push(format!("{module}: no line `- `{}``", parts[0])),
            Some(line) => {
                for part in &parts[1..] {
                    if !line.contains(&format!("`{part}`")) {
                        missing.push(format!("{module}: `{part}` not named on the line of {}", parts[0]));
                    }
                }
            }
        }
    }
    assert!(line_of("main").is_some(), "main.rs has its line");
    assert!(missing.is_empty(), "the README's Architecture leaves out: {missing:#?}");
    // The picture of the layers names every top-level module the test's layers do.
    for name in LAYERS.iter().flat_map(|l| l.iter()) {
        assert!(line_of(name).is_some(), "{name} is in LAYERS but has no line in the README");
    }
}
