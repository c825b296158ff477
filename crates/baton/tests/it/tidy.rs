//! STYLE.md section 1: dependencies only point downward. Reads every `crates/*/Cargo.toml` and
//! fails on a forbidden edge.
//!
//! Only `[dependencies]` and `[build-dependencies]` (also under `[target.'cfg(..)'.…]`) count:
//! they are what ships. Test-only `[dev-dependencies]` are not checked.

use std::path::{Path, PathBuf};

/// One row of the table in STYLE.md section 1.
struct Layer {
    krate: &'static str,
    /// The Baton crates it may use; any other `baton` or `baton-*` crate is forbidden.
    may_use: &'static [&'static str],
    /// Third-party crates it never uses.
    never: &'static [&'static str],
}

const LAYERS: &[Layer] = &[
    Layer { krate: "baton-core", may_use: &[], never: &["tokio", "sqlx", "axum", "hyper", "reqwest"] },
    Layer { krate: "baton-insights", may_use: &["baton-core"], never: &["tokio", "sqlx", "axum", "hyper", "reqwest"] },
    Layer { krate: "baton-import", may_use: &["baton-core"], never: &["tokio", "sqlx", "axum", "hyper", "reqwest"] },
    Layer { krate: "baton-store", may_use: &["baton-core"], never: &["axum"] },
    Layer {
        krate: "baton-server",
        may_use: &["baton-core", "baton-insights", "baton-store", "baton-import"],
        never: &["sqlx"],
    },
    Layer {
        krate: "baton",
        may_use: &["baton-core", "baton-insights", "baton-store", "baton-import", "baton-server"],
        never: &[],
    },
];

/// A crate's name and the package names of the dependencies that ship with it.
#[derive(Debug)]
struct Manifest {
    name: String,
    dependencies: Vec<String>,
}

#[test]
fn dependencies_point_downward() {
    let manifests = workspace_manifests();
    let names: Vec<&str> = manifests.iter().map(|m| m.name.as_str()).collect();
    for layer in LAYERS {
        assert!(names.contains(&layer.krate), "crate {} not found under crates/ (found {names:?})", layer.krate);
    }
    // The binary glues the server in: if the parser missed that, it misses edges everywhere.
    let baton = manifests.iter().find(|m| m.name == "baton").unwrap();
    assert!(baton.dependencies.iter().any(|d| d == "baton-server"), "parsed {baton:?}");

    let violations = violations(&manifests);
    assert!(violations.is_empty(), "forbidden dependency edges (STYLE.md section 1):\n{}", violations.join("\n"));
}

/// The domain (`baton-store/src/domain/`) holds the rules every backend runs: it reads and
/// writes only through its `Tx` trait, so it never names a database crate or a backend module.
#[test]
fn the_domain_knows_no_backend() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../baton-store/src");
    let mut files = vec![root.join("domain.rs")];
    let mut folders = vec![root.join("domain")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 3, "the domain's files were not found: {files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in ["sqlx", "crate::sqlite", "SELECT ", "INSERT ", "UPDATE ", "postgres"] {
            assert!(!text.contains(word), "{} names `{word}`: the domain goes through `Tx` only", file.display());
        }
    }
}

/// The repository's documents stand alone: a reader of the repository has no design document
/// outside it, so none of them may send one there.
#[test]
fn the_docs_name_no_document_outside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut documents = vec![root.join("README.md"), root.join("ARCHITECTURE.md"), root.join("bench/README.md")];
    for entry in std::fs::read_dir(root.join("docs")).expect("docs/ exists") {
        let path = entry.expect("a readable entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            documents.push(path);
        }
    }
    for path in documents {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (n, line) in text.lines().enumerate() {
            assert!(
                !line.contains("DESIGN"),
                "{}:{}: refers to a design document the repository does not have: {line}",
                path.display(),
                n + 1
            );
        }
    }
}

#[test]
fn every_crate_folder_is_named_after_its_crate() {
    for (folder, manifest) in crate_folders().iter().map(|dir| (dir, read_manifest(dir))) {
        let folder_name = folder.file_name().unwrap().to_string_lossy();
        assert_eq!(folder_name, manifest.name, "crates/{folder_name} holds crate {}", manifest.name);
    }
}

#[test]
fn forbidden_edges_are_reported() {
    let manifest = |name: &str, dependencies: &[&str]| Manifest {
        name: name.into(),
        dependencies: dependencies.iter().map(|d| d.to_string()).collect(),
    };
    let manifests = [
        manifest("baton-core", &["serde", "tokio", "baton-store"]),
        manifest("baton-insights", &["baton-core", "baton-store"]),
        manifest("baton-import", &["baton-core", "tokio"]),
        manifest("baton-store", &["baton-core", "axum", "baton-import"]),
        manifest("baton-server", &["baton-core", "baton-store", "baton"]),
        manifest("baton", &["baton-server", "clap"]),
        manifest("baton-new", &["baton-core", "baton"]),
    ];
    let found = violations(&manifests);
    let expected = [
        "baton-core depends on tokio",
        "baton-core depends on baton-store",
        "baton-insights depends on baton-store",
        "baton-import depends on tokio",
        "baton-store depends on axum",
        "baton-store depends on baton-import",
        "baton-server depends on baton",
        "baton-new is not in the table",
        "baton-new depends on baton",
    ];
    for edge in expected {
        assert!(found.iter().any(|v| v.starts_with(edge)), "{edge:?} not reported; reported:\n{}", found.join("\n"));
    }
    assert_eq!(found.len(), expected.len(), "unexpected reports:\n{}", found.join("\n"));
}

#[test]
fn manifest_parser_reads_every_dependency_form() {
    let text = r#"
[package]
name = "sample"   # a comment
version.workspace = true

[dependencies]
anyhow.workspace = true
serde = { version = "1", features = ["derive"] }
"quoted" = "1"
renamed = { package = "tokio", version = "1" }
dotted.package = "sqlx"
dotted.version = "0.8"
multi = { version = "1", features = [
    "a",
    "b = not a dependency",
] }
# commented = "1"

[dependencies.tabled]
version = "2"

[dependencies.tabled-renamed]
package = "axum"
version = "0.8"

[dev-dependencies]
dev-only = "1"

[build-dependencies]
built = "1"

[target.'cfg(unix)'.dependencies]
unix-only = "1"

[[bin]]
name = "not-a-dependency"
"#;
    let manifest = parse_manifest(text);
    assert_eq!(manifest.name, "sample");
    let mut found = manifest.dependencies;
    found.sort();
    let mut expected = ["anyhow", "serde", "quoted", "tokio", "sqlx", "multi", "tabled", "axum", "built", "unix-only"];
    expected.sort();
    assert_eq!(found, expected);
}

fn violations(manifests: &[Manifest]) -> Vec<String> {
    let mut found = Vec::new();
    for manifest in manifests {
        let layer = LAYERS.iter().find(|l| l.krate == manifest.name);
        if layer.is_none() {
            found.push(format!(
                "{} is not in the table: add its row to LAYERS in tidy.rs and to STYLE.md section 1",
                manifest.name
            ));
        }
        for dependency in &manifest.dependencies {
            let name = dependency.as_str();
            if name == "baton" {
                found.push(format!("{} depends on baton: no crate depends on the binary crate", manifest.name));
                continue;
            }
            let Some(layer) = layer else { continue };
            if is_baton_crate(name) && !layer.may_use.contains(&name) {
                found.push(format!(
                    "{} depends on {name}: among Baton crates it may use {:?}",
                    manifest.name, layer.may_use
                ));
            } else if layer.never.contains(&name) {
                found.push(format!("{} depends on {name}, which it never uses", manifest.name));
            }
        }
    }
    found
}

fn is_baton_crate(name: &str) -> bool {
    name == "baton" || name.starts_with("baton-")
}

fn crate_folders() -> Vec<PathBuf> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("crates/baton sits in crates/").to_path_buf();
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&crates)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", crates.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .collect();
    folders.sort();
    folders
}

fn workspace_manifests() -> Vec<Manifest> {
    crate_folders().iter().map(|dir| read_manifest(dir)).collect()
}

fn read_manifest(dir: &Path) -> Manifest {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse_manifest(&text)
}

/// Line scanning, enough for the forms Cargo manifests use: `name.workspace = true`,
/// `name = "1"`, `name = { package = "real", ... }` (also spread over lines by a multi-line
/// array), `name.package = "real"`, and `[dependencies.name]` tables.
fn parse_manifest(text: &str) -> Manifest {
    let mut name = String::new();
    let mut section = String::new();
    // Dependencies of the current `[dependencies]`-like section: (key, package if renamed).
    let mut dependencies: Vec<(String, Option<String>)> = Vec::new();
    let mut open_brackets = 0i32;
    for raw_line in text.lines() {
        let line = strip_comment(raw_line).trim();
        if open_brackets > 0 {
            // Inside a value spread over several lines.
            open_brackets += bracket_balance(line);
            continue;
        }
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            if let Some(key) = dependency_table_key(&section) {
                dependencies.push((key, None));
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let key = key.trim();
        let value = value.trim();
        open_brackets = bracket_balance(value);
        if section == "package" && key == "name" {
            name = unquote(value).to_string();
        } else if let Some(table_key) = dependency_table_key(&section) {
            if key == "package" {
                set_package(&mut dependencies, &table_key, unquote(value));
            }
        } else if is_dependency_section(&section) {
            let (dependency, field) = match key.split_once('.') {
                Some((dependency, field)) => (unquote(dependency.trim()), Some(field.trim())),
                None => (unquote(key), None),
            };
            if !dependencies.iter().any(|(k, _)| k == dependency) {
                dependencies.push((dependency.to_string(), None));
            }
            if field == Some("package") {
                set_package(&mut dependencies, dependency, unquote(value));
            } else if let Some(package) = inline_package(value) {
                set_package(&mut dependencies, dependency, package);
            }
        }
    }
    let dependencies = dependencies.into_iter().map(|(key, package)| package.unwrap_or(key)).collect();
    Manifest { name, dependencies }
}

/// `dependencies`, `build-dependencies`, `target.<cfg>.dependencies`, `target.<cfg>.build-dependencies`.
fn is_dependency_section(section: &str) -> bool {
    let last = section.rsplit('.').next().unwrap_or_default();
    (last == "dependencies" || last == "build-dependencies")
        && (section == last || (section.starts_with("target.") && !section.contains("dev-dependencies")))
}

/// The dependency a `[dependencies.name]` (or `[target.<cfg>.dependencies.name]`) table is about.
fn dependency_table_key(section: &str) -> Option<String> {
    let (table, key) = section.rsplit_once('.')?;
    is_dependency_section(table).then(|| unquote(key).to_string())
}

fn set_package(dependencies: &mut [(String, Option<String>)], key: &str, package: &str) {
    if let Some(entry) = dependencies.iter_mut().find(|(k, _)| k == key) {
        entry.1 = Some(package.to_string());
    }
}

/// The `package = "..."` inside an inline table, if any.
fn inline_package(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('{')?;
    inner.split(',').find_map(|field| {
        let (key, value) = field.split_once('=')?;
        (key.trim() == "package").then(|| unquote(value.trim().trim_end_matches('}').trim()))
    })
}

fn unquote(text: &str) -> &str {
    text.trim().trim_matches(|c| c == '"' || c == '\'')
}

/// The line without a `#` comment (a `#` inside a string is kept).
fn strip_comment(line: &str) -> &str {
    let mut in_string = None;
    for (idx, c) in line.char_indices() {
        match (c, in_string) {
            ('"' | '\'', None) => in_string = Some(c),
            (c, Some(quote)) if c == quote => in_string = None,
            ('#', None) => return &line[..idx],
            _ => {}
        }
    }
    line
}

/// How many `[` and `{` the text opens minus how many it closes, outside strings.
fn bracket_balance(text: &str) -> i32 {
    let mut balance = 0;
    let mut in_string = None;
    for c in text.chars() {
        match (c, in_string) {
            ('"' | '\'', None) => in_string = Some(c),
            (c, Some(quote)) if c == quote => in_string = None,
            ('[' | '{', None) => balance += 1,
            (']' | '}', None) => balance -= 1,
            _ => {}
        }
    }
    balance
}
