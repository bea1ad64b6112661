//! A small checker of JSON bodies against the schemas of the OpenAPI
//! document (3.1, as utoipa writes it), for the tests: `$ref` into
//! `components.schemas`, `type` (one or a list, `null` included), `nullable`,
//! `enum`, `required`, `properties` (recursively; a property the schema does
//! not list is an error unless `additionalProperties` allows it), `items`,
//! `oneOf` (exactly one), `anyOf` (at least one), `allOf` (every one) and
//! `minimum` / `maximum`. Formats and descriptions are not checked.

use serde_json::Value;

/// The schema an operation documents for a status with an
/// `application/json` body, if any.
pub fn response_schema<'a>(doc: &'a Value, operation_id: &str, status: u16) -> Option<&'a Value> {
    let op = operation(doc, operation_id)?;
    op["responses"].get(status.to_string())?["content"].get("application/json")?.get("schema")
}

/// The operation of an id.
pub fn operation<'a>(doc: &'a Value, operation_id: &str) -> Option<&'a Value> {
    doc["paths"]
        .as_object()?
        .values()
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .find(|op| op["operationId"].as_str() == Some(operation_id))
}

/// Checks `body` against `schema`; every mismatch, each with the JSON
/// pointer of the value and what is wrong.
pub fn check(doc: &Value, schema: &Value, body: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    Checker { doc, errors: &mut errors }.value(schema, body, "", 0);
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

struct Checker<'a, 'e> {
    doc: &'a Value,
    errors: &'e mut Vec<String>,
}

impl Checker<'_, '_> {
    fn fail(&mut self, at: &str, what: String) {
        self.errors.push(format!("{}: {what}", if at.is_empty() { "/" } else { at }));
    }

    /// Whether `body` fits `schema`, without keeping the reasons.
    fn fits(&self, schema: &Value, body: &Value, at: &str, depth: usize) -> bool {
        let mut errors = Vec::new();
        Checker { doc: self.doc, errors: &mut errors }.value(schema, body, at, depth);
        errors.is_empty()
    }

    fn value(&mut self, schema: &Value, body: &Value, at: &str, depth: usize) {
        if depth > 64 {
            self.fail(at, "schema nested too deep (a $ref loop?)".into());
            return;
        }
        let Some(s) = schema.as_object() else {
            // `true` accepts everything, `false` nothing.
            if schema == &Value::Bool(false) {
                self.fail(at, "no value is allowed here".into());
            }
            return;
        };
        if let Some(r) = s.get("$ref") {
            match r.as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
                Some(name) => match self.doc["components"]["schemas"].get(name) {
                    Some(target) => self.value(target, body, at, depth + 1),
                    None => self.fail(at, format!("$ref to a schema the document lacks: {r}")),
                },
                None => self.fail(at, format!("$ref this checker cannot follow: {r}")),
            }
        }
        let nullable = s.get("nullable").and_then(Value::as_bool) == Some(true);
        if body.is_null() && nullable {
            return;
        }
        if let Some(t) = s.get("type") {
            let types: Vec<&str> = match t {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !types.iter().any(|t| is_type(body, t)) {
                self.fail(at, format!("{} is not of type {}", kind(body), types.join(" or ")));
                return;
            }
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array)
            && !values.contains(body)
        {
            self.fail(at, format!("{body} is not one of {}", Value::Array(values.clone())));
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for (i, sub) in all.iter().enumerate() {
                let mut errors = Vec::new();
                Checker { doc: self.doc, errors: &mut errors }.value(sub, body, at, depth + 1);
                if !errors.is_empty() {
                    self.fail(at, format!("allOf[{i}] does not hold: {}", errors.join("; ")));
                }
            }
        }
        if let Some(any) = s.get("anyOf").and_then(Value::as_array)
            && !any.iter().any(|sub| self.fits(sub, body, at, depth + 1))
        {
            self.fail(at, format!("{} fits none of anyOf", kind(body)));
        }
        if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
            let fitting: Vec<usize> =
                one.iter().enumerate().filter(|(_, sub)| self.fits(sub, body, at, depth + 1)).map(|(i, _)| i).collect();
            if fitting.len() != 1 {
                let reasons: Vec<String> = one
                    .iter()
                    .enumerate()
                    .map(|(i, sub)| {
                        let mut errors = Vec::new();
                        Checker { doc: self.doc, errors: &mut errors }.value(sub, body, at, depth + 1);
                        format!("[{i}] {}", if errors.is_empty() { "fits".to_owned() } else { errors.join("; ") })
                    })
                    .collect();
                self.fail(
                    at,
                    format!("{} fits {} of oneOf, not exactly one: {}", kind(body), fitting.len(), reasons.join(" | ")),
                );
            }
        }
        if let Some(n) = body.as_f64() {
            if let Some(min) = s.get("minimum").and_then(Value::as_f64)
                && n < min
            {
                self.fail(at, format!("{n} is below the minimum {min}"));
            }
            if let Some(max) = s.get("maximum").and_then(Value::as_f64)
                && n > max
            {
                self.fail(at, format!("{n} is above the maximum {max}"));
            }
        }
        if let Some(object) = body.as_object() {
            for name in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    self.fail(at, format!("required property {name:?} is missing"));
                }
            }
            let properties = s.get("properties").and_then(Value::as_object);
            let additional = s.get("additionalProperties");
            for (name, v) in object {
                let here = format!("{at}/{}", name.replace('~', "~0").replace('/', "~1"));
                match (properties.and_then(|p| p.get(name)), additional) {
                    (Some(sub), _) => self.value(sub, v, &here, depth + 1),
                    (None, Some(extra)) => self.value(extra, v, &here, depth + 1),
                    // An object schema without `properties` (`Object`) takes anything.
                    (None, None) if properties.is_none() => {}
                    (None, None) => self.fail(&here, "a property the schema does not document".into()),
                }
            }
        }
        if let (Some(items), Some(array)) = (s.get("items"), body.as_array()) {
            for (i, v) in array.iter().enumerate() {
                self.value(items, v, &format!("{at}/{i}"), depth + 1);
            }
        }
    }
}

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

mod tests {
    use serde_json::{Value, json};

    use super::check;

    fn document() -> Value {
        serde_json::to_value(hyoka_api::openapi()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn schema(name: &str) -> Value {
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }

    /// What `GET /api/v1/dashboards/trend` answers for one year of a company.
    fn figures() -> Value {
        let rates = json!({"lv1": 0.5, "lv2": null, "lv3": null, "target": 0.5, "overall": 0.4});
        json!({
            "fiscal_year": 2024, "submission_id": 7, "sheets": 1, "status": "submitted", "revision": 1,
            "uploaded_at": "2024-06-01T09:00:00+09:00", "target_level": 2, "risk": 40,
            "rates": {"self": rates, "suggested": rates, "reviewed": rates},
            "flags": {"total": 3, "open": 3, "confirmed": 0, "dismissed": 0}
        })
    }

    #[test]
    fn a_company_year_of_size_facts_is_not_a_dashboard_year() {
        let doc = document();
        let facts = json!({"fiscal_year": 2024, "employees": 120, "it_staff": null});
        assert_eq!(check(&doc, &schema("CompanyYearDto"), &facts), Ok(()));
        assert_eq!(check(&doc, &schema("CompanyYearFigures"), &figures()), Ok(()));
        let errors = check(&doc, &schema("CompanyYearDto"), &figures()).err().unwrap_or_default();
        assert!(
            errors.iter().any(|e| e.starts_with("/submission_id: a property the schema does not document")),
            "{errors:?}"
        );
        let errors = check(&doc, &schema("CompanyYearFigures"), &facts).err().unwrap_or_default();
        assert!(errors.iter().any(|e| e.contains("required property \"submission_id\" is missing")), "{errors:?}");
        let detail = json!({"company": {"id": 1, "code": "A-1", "name": "株式会社エー", "industry": null,
            "target_level": 2, "impact_tier": 3, "is_demo": false, "created_at": "2024-04-01T09:00:00+09:00"},
            "years": [figures()]});
        let errors = check(&doc, &schema("CompanyDetail"), &detail).err().unwrap_or_default();
        assert!(errors.iter().any(|e| e.starts_with("/years/0/")), "{errors:?}");
    }

    #[test]
    fn types_nulls_and_numbers() {
        let doc = json!({});
        let int = json!({"type": "integer", "minimum": 0});
        assert_eq!(check(&doc, &int, &json!(3)), Ok(()));
        assert!(check(&doc, &int, &json!(-1)).is_err());
        assert!(check(&doc, &int, &json!(1.5)).is_err());
        assert!(check(&doc, &int, &json!("3")).is_err());
        assert!(check(&doc, &int, &Value::Null).is_err());
        let maybe = json!({"type": ["integer", "null"]});
        assert_eq!(check(&doc, &maybe, &Value::Null), Ok(()));
        assert!(check(&doc, &maybe, &json!(true)).is_err());
        let old_style = json!({"type": "string", "nullable": true});
        assert_eq!(check(&doc, &old_style, &Value::Null), Ok(()));
        assert!(check(&doc, &old_style, &json!(1)).is_err());
        assert_eq!(check(&doc, &json!({"type": "number"}), &json!(1)), Ok(()));
        let en = json!({"type": "string", "enum": ["a", "b"]});
        assert_eq!(check(&doc, &en, &json!("a")), Ok(()));
        assert!(check(&doc, &en, &json!("c")).is_err());
    }

    #[test]
    fn objects_arrays_and_combinations() {
        let doc = json!({"components": {"schemas": {
            "Thing": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "integer"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "parent": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Thing"}]}
            }},
            "Map": {"type": "object"}
        }}});
        let thing = json!({"$ref": "#/components/schemas/Thing"});
        assert_eq!(check(&doc, &thing, &json!({"id": 1, "tags": ["x"], "parent": {"id": 2, "parent": null}})), Ok(()));
        let errors = check(&doc, &thing, &json!({"tags": ["x", 2], "parent": {"id": "2"}, "extra": 1}))
            .err()
            .unwrap_or_default();
        for want in [
            "/: required property \"id\" is missing",
            "/tags/1: an integer is not of type string",
            "/extra: a property",
        ] {
            assert!(errors.iter().any(|e| e.starts_with(want)), "{want} in {errors:?}");
        }
        assert!(errors.iter().any(|e| e.starts_with("/parent: ") && e.contains("oneOf")), "{errors:?}");
        assert_eq!(check(&doc, &json!({"$ref": "#/components/schemas/Map"}), &json!({"any": [1]})), Ok(()));
        assert!(check(&doc, &json!({"$ref": "#/components/schemas/Nope"}), &json!({})).is_err());
        let map = json!({"type": "object", "additionalProperties": {"type": "integer"}});
        assert_eq!(check(&doc, &map, &json!({"a": 1})), Ok(()));
        assert!(check(&doc, &map, &json!({"a": "1"})).is_err());
        let both = json!({"allOf": [{"required": ["a"]}, {"required": ["b"]}]});
        assert_eq!(check(&doc, &both, &json!({"a": 1, "b": 2})), Ok(()));
        assert!(check(&doc, &both, &json!({"a": 1})).is_err());
        let ambiguous = json!({"oneOf": [{"type": "integer"}, {"type": "number"}]});
        assert!(check(&doc, &ambiguous, &json!(1)).is_err(), "fits two of oneOf");
        assert_eq!(check(&doc, &ambiguous, &json!(1.5)), Ok(()));
        let any = json!({"anyOf": [{"type": "integer"}, {"type": "number"}]});
        assert_eq!(check(&doc, &any, &json!(1)), Ok(()));
        assert!(check(&doc, &any, &json!("1")).is_err());
    }
}
