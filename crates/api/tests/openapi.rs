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
