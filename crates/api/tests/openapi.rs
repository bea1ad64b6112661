//! The OpenAPI document is a reviewed artefact: it is compared with the
//! committed snapshot `openapi.snapshot.json`, so any change to the API shows
//! in the diff. Regenerate it with
//! `HYOKA_UPDATE_SNAPSHOTS=1 cargo test -p hyoka-api --test openapi`.

use std::path::PathBuf;

use serde_json::Value;

fn document() -> Value {
    serde_json::to_value(hyoka_api::openapi()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_openapi_document_matches_its_snapshot() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/openapi.snapshot.json");
    let now = serde_json::to_string_pretty(&document()).unwrap_or_else(|e| panic!("{e}")) + "\n";
    if std::env::var("HYOKA_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &now).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == now,
        "the OpenAPI document changed; review the difference and run \
         HYOKA_UPDATE_SNAPSHOTS=1 cargo test -p hyoka-api --test openapi to accept it"
    );
}

#[test]
fn every_operation_is_named_tagged_and_secured_unless_public() {
    let doc = document();
    let public = ["login", "healthz", "readyz"];
    let mut seen = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
        assert!(path == "/healthz" || path == "/readyz" || path.starts_with("/api/v1/"), "{path}");
        for (method, op) in item.as_object().cloned().unwrap_or_default() {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(seen.insert(id.to_owned()), "operationId {id} twice");
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{id} has no tag");
            assert!(op["description"].is_string() || op["summary"].is_string(), "{id} is not described");
            let secured = op["security"].as_array().is_some_and(|s| s.iter().any(|s| s.get("bearer").is_some()));
            assert_eq!(secured, !public.contains(&id), "{id}: security");
            let responses = op["responses"].as_object().cloned().unwrap_or_default();
            if secured {
                assert!(responses.contains_key("401"), "{id} does not document 401");
            }
        }
    }
    assert!(seen.len() >= 30, "{seen:?}");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

/// The Rust files of the workspace (`src/` and `crates/*/src/`).
fn workspace_sources() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap_or_else(|e| panic!("{e}"));
    let mut dirs = vec![root.join("src")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap_or_else(|e| panic!("{e}")).flatten() {
        dirs.push(entry.path().join("src"));
    }
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// utoipa names a schema after its type (without the module), and keeps one
/// schema per name: two types of one name would silently describe one with
/// the other's fields. So no two types deriving `ToSchema` anywhere in the
/// workspace share a name (nor rename themselves with `#[schema(as = …)]`),
/// and each is in the document.
#[test]
fn every_schema_type_has_a_name_of_its_own() {
    let mut seen: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    let mut twice = Vec::new();
    for file in workspace_sources() {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let line = line.trim();
            if !(line.starts_with("#[derive(") && line.contains("ToSchema")) {
                continue;
            }
            assert!(!text.contains("schema(as"), "{}: #[schema(as = …)] is not checked here", file.display());
            let name = lines[i + 1..]
                .iter()
                .map(|l| l.trim())
                .find_map(|l| {
                    let rest = match l.strip_prefix("pub") {
                        Some(r) if r.starts_with('(') => r.split_once(") ").map_or(r, |(_, r)| r),
                        Some(r) => r.trim_start(),
                        None => l,
                    };
                    let rest = rest.strip_prefix("struct ").or_else(|| rest.strip_prefix("enum "))?;
                    Some(rest.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or_default().to_owned())
                })
                .unwrap_or_else(|| panic!("{}:{}: no type after the derive", file.display(), i + 1));
            let place = format!("{}:{}", file.display(), i + 1);
            if let Some(first) = seen.insert(name.clone(), place.clone()) {
                twice.push(format!("{name}: {first} and {place}"));
            }
        }
    }
    assert!(twice.is_empty(), "schema names used twice:\n{}", twice.join("\n"));
    let doc = document();
    let schemas = doc["components"]["schemas"].as_object().cloned().unwrap_or_default();
    for name in seen.keys() {
        let generic = schemas.keys().any(|k| k.starts_with(&format!("{name}_")));
        assert!(schemas.contains_key(name) || generic, "{name} derives ToSchema but is not in the document");
    }
    assert!(seen.len() >= 60, "{seen:?}");
}
