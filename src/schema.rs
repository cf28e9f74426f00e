//! The JSON Schema of a model file, for editors (Taplo, Even Better TOML).
//!
//! Beside the pipeline: `rolecall schema` prints it, editors use it to complete
//! and check keys while a model is written, and `model::raw` stays the one
//! parser. The schema is kept by hand in `schema.json` (draft-07, the draft
//! Taplo's validator implements) because its descriptions are written for the
//! person editing the model, with defaults and rule codes. The tests below
//! derive from serde itself which keys each table accepts, which are required
//! and which value types it takes, and compare them with the schema, so the two
//! cannot drift apart.

/// The JSON Schema (draft-07) of one model file, as `rolecall schema` prints it.
pub const JSON: &str = include_str!("schema.json");

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value as Json;
    use toml::Value as Toml;

    use super::JSON;
    use crate::model::raw::RawFile;
    use crate::rules::{self, Severity};

    /// The id pattern the validator implements (RC010).
    const ID: &str = "^[a-z0-9][a-z0-9-]{0,63}$";
    /// The clause reference pattern the validator implements (RC065).
    const CLAUSE: &str = "^(A\\.)?[0-9]{1,3}(\\.[0-9]{1,3})*$";

    /// A key serde takes as a TOML value of any type, though the schema types it:
    /// `accountable` is parsed as a raw value so that a list of roles is reported
    /// as a RACI error (RC020) rather than a type error.
    const ANY_TYPE_IN_SERDE: &[&str] = &["/activities/0/accountable"];

    fn schema() -> Json {
        serde_json::from_str(JSON).expect("schema.json is JSON")
    }

    fn validator(schema: &Json) -> jsonschema::Validator {
        jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(schema)
            .expect("schema compiles")
    }

    /// Follows a local `$ref`, if the schema is one.
    fn resolve<'a>(root: &'a Json, s: &'a Json) -> &'a Json {
        match s.get("$ref").and_then(Json::as_str) {
            Some(r) => root
                .pointer(r.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling $ref {r}")),
            None => s,
        }
    }

    fn date(s: &str) -> Toml {
        Toml::Datetime(s.parse().expect("a TOML date"))
    }

    /// A TOML value the schema accepts: its first example, else one built from its type.
    fn sample(root: &Json, s: &Json) -> Toml {
        let s = resolve(root, s);
        let ty = s["type"].as_str().unwrap_or_default();
        if let Some(example) = s.get("examples").and_then(|e| e.get(0)) {
            return from_json(root, s, example);
        }
        match ty {
            "string" if s["format"] == "date" => date("2026-01-15"),
            "string" => match (s.get("enum"), s["pattern"].as_str()) {
                (Some(e), _) => Toml::String(e[0].as_str().unwrap().to_string()),
                (None, Some(ID)) => Toml::String("x1".into()),
                (None, Some(CLAUSE)) => Toml::String("5.3".into()),
                (None, Some(p)) => panic!("give the property with pattern {p} an example"),
                (None, None) => Toml::String("text".into()),
            },
            "integer" => Toml::Integer(s["minimum"].as_i64().unwrap_or(7)),
            "boolean" => Toml::Boolean(true),
            "array" => Toml::Array(vec![sample(root, &s["items"])]),
            "object" => {
                let mut t = toml::Table::new();
                for (k, p) in s["properties"].as_object().unwrap() {
                    t.insert(k.clone(), sample(root, p));
                }
                Toml::Table(t)
            }
            other => panic!("no sample for type `{other}`"),
        }
    }

    /// An example from the schema as TOML: strings of `format: date` become dates.
    fn from_json(root: &Json, s: &Json, v: &Json) -> Toml {
        let s = resolve(root, s);
        match v {
            Json::String(x) if s["format"] == "date" => date(x),
            Json::String(x) => Toml::String(x.clone()),
            Json::Bool(b) => Toml::Boolean(*b),
            Json::Number(n) => Toml::Integer(n.as_i64().unwrap()),
            Json::Array(a) => {
                Toml::Array(a.iter().map(|x| from_json(root, &s["items"], x)).collect())
            }
            other => panic!("unexpected example {other}"),
        }
    }

    /// A TOML value as JSON, the way Taplo sees it: dates become strings.
    fn to_json(v: &Toml) -> Json {
        match v {
            Toml::String(s) => Json::String(s.clone()),
            Toml::Integer(i) => Json::from(*i),
            Toml::Float(f) => Json::from(*f),
            Toml::Boolean(b) => Json::Bool(*b),
            Toml::Datetime(d) => Json::String(d.to_string()),
            Toml::Array(a) => Json::Array(a.iter().map(to_json).collect()),
            Toml::Table(t) => {
                Json::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
            }
        }
    }

    /// Values of another type than the schema's, that both should refuse.
    fn wrong_values(root: &Json, s: &Json) -> Vec<Toml> {
        let s = resolve(root, s);
        match s["type"].as_str().unwrap_or_default() {
            "string" | "boolean" | "object" => vec![Toml::Integer(7)],
            "integer" => vec![Toml::String("12".into())],
            "array" => {
                let item = match resolve(root, &s["items"])["type"].as_str() {
                    Some("integer") => Toml::String("7".into()),
                    _ => Toml::Integer(7),
                };
                vec![Toml::String("x1".into()), Toml::Array(vec![item])]
            }
            other => panic!("no wrong value for type `{other}`"),
        }
    }

    /// Parses a document with serde as the model loader does.
    fn serde_parse(doc: &toml::Table) -> Result<(), String> {
        toml::from_str::<RawFile>(&doc.to_string())
            .map(|_| ())
            .map_err(|e| e.message().to_string())
    }

    /// Mutable access to the table or value at `path` (keys and array indices).
    fn at<'a>(doc: &'a mut toml::Table, path: &[String]) -> &'a mut Toml {
        let (first, rest) = path.split_first().expect("non-empty path");
        let mut cur = doc.get_mut(first).expect("path exists");
        for p in rest {
            cur = match cur {
                Toml::Table(t) => t.get_mut(p).expect("path exists"),
                Toml::Array(a) => &mut a[p.parse::<usize>().expect("index")],
                _ => panic!("path goes through a scalar"),
            };
        }
        cur
    }

    fn table_at<'a>(doc: &'a mut toml::Table, path: &[String]) -> &'a mut toml::Table {
        if path.is_empty() {
            return doc;
        }
        match at(doc, path) {
            Toml::Table(t) => t,
            _ => panic!("not a table"),
        }
    }

    /// The keys serde lists in its "unknown field" error for the table at `path`.
    fn serde_keys(full: &toml::Table, path: &[String]) -> BTreeSet<String> {
        let mut doc = full.clone();
        table_at(&mut doc, path).insert("zz-no-such-key".into(), Toml::Integer(1));
        let msg = serde_parse(&doc).expect_err("an unknown key is refused");
        let rest = msg
            .strip_prefix("unknown field `zz-no-such-key`, expected ")
            .unwrap_or_else(|| panic!("unexpected serde message: {msg}"));
        rest.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    /// Compares the object schema `s` with serde at table `path` of the full
    /// sample document, then recurses into nested tables. Returns the visited
    /// object schemas' pointers.
    fn compare(
        root: &Json,
        s: &Json,
        full: &toml::Table,
        path: &[String],
        failures: &mut Vec<String>,
        visited: &mut BTreeSet<String>,
    ) {
        let compiled = validator(root);
        let where_ = format!("/{}", path.join("/"));
        let props = s["properties"]
            .as_object()
            .expect("object schema has properties");
        let required: BTreeSet<&str> = s["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        if s["additionalProperties"] != false {
            failures.push(format!(
                "{where_}: additionalProperties must be false, as serde denies unknown fields"
            ));
        }

        let schema_keys: BTreeSet<String> = props.keys().cloned().collect();
        let serde = serde_keys(full, path);
        if schema_keys != serde {
            failures.push(format!(
                "{where_}: schema keys {schema_keys:?}, serde accepts {serde:?}"
            ));
        }

        for (key, p) in props {
            let mut key_path = path.to_vec();
            key_path.push(key.clone());
            let key_where = format!("/{}", key_path.join("/"));

            // Required in the schema exactly when serde misses it.
            let mut doc = full.clone();
            table_at(&mut doc, path).remove(key);
            let missing = serde_parse(&doc);
            match (required.contains(key.as_str()), &missing) {
                (true, Err(m)) if m.contains(&format!("missing field `{key}`")) => {}
                (true, _) => failures.push(format!(
                    "{key_where}: required in the schema, serde gives {missing:?} without it"
                )),
                (false, Ok(())) => {}
                (false, Err(m)) => failures.push(format!(
                    "{key_where}: optional in the schema, serde refuses its absence: {m}"
                )),
            }

            // A value of another type is refused by both.
            if !ANY_TYPE_IN_SERDE.contains(&key_where.as_str()) {
                for wrong in wrong_values(root, p) {
                    let mut doc = full.clone();
                    *at(&mut doc, &key_path) = wrong.clone();
                    if serde_parse(&doc).is_ok() {
                        failures.push(format!("{key_where} = {wrong}: serde accepts it"));
                    }
                    if compiled.is_valid(&to_json(&Toml::Table(doc))) {
                        failures.push(format!("{key_where} = {wrong}: the schema accepts it"));
                    }
                }
            }

            // Nested tables: `[table]` and `[[table]]`.
            let p = resolve(root, p);
            let (object, nested_path, pointer) = match p["type"].as_str() {
                Some("object") => (p, key_path.clone(), props[key]["$ref"].as_str()),
                Some("array") if resolve(root, &p["items"])["type"] == "object" => {
                    let mut ip = key_path.clone();
                    ip.push("0".into());
                    (resolve(root, &p["items"]), ip, p["items"]["$ref"].as_str())
                }
                _ => continue,
            };
            if let Some(ptr) = pointer {
                visited.insert(ptr.to_string());
            }
            compare(root, object, full, &nested_path, failures, visited);
        }
    }

    #[test]
    fn schema_matches_what_serde_accepts() {
        let root = schema();
        let Toml::Table(full) = sample(&root, &root) else {
            panic!("the root sample is a table")
        };
        // The sample document (every key set) is one serde and the schema accept.
        serde_parse(&full).unwrap_or_else(|e| panic!("serde refuses the full sample: {e}\n{full}"));
        let json = to_json(&Toml::Table(full.clone()));
        let errors: Vec<String> = validator(&root)
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "the schema refuses its own sample: {errors:?}"
        );

        let mut failures = Vec::new();
        let mut visited = BTreeSet::new();
        compare(&root, &root, &full, &[], &mut failures, &mut visited);
        for exempt in ANY_TYPE_IN_SERDE {
            let path: Vec<String> = exempt
                .trim_start_matches('/')
                .split('/')
                .map(String::from)
                .collect();
            let mut doc = full.clone();
            *at(&mut doc, &path) = Toml::Integer(7);
            assert!(
                serde_parse(&doc).is_ok(),
                "{exempt} is no longer any-typed in serde: drop the exemption"
            );
        }
        let definitions: BTreeSet<String> = root["definitions"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| format!("#/definitions/{k}"))
            .collect();
        let unvisited: Vec<_> = definitions.difference(&visited).collect();
        assert!(
            unvisited.is_empty(),
            "definitions not compared with serde: {unvisited:?}"
        );
        assert!(
            failures.is_empty(),
            "{} difference(s):\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// Every string pattern of the schema, with where it is.
    fn patterns(v: &Json, at: &str, out: &mut Vec<(String, String)>) {
        match v {
            Json::Object(m) => {
                for (k, x) in m {
                    if k == "pattern" {
                        out.push((at.to_string(), x.as_str().unwrap().to_string()));
                    } else {
                        patterns(x, &format!("{at}/{k}"), out);
                    }
                }
            }
            Json::Array(a) => a.iter().for_each(|x| patterns(x, at, out)),
            _ => {}
        }
    }

    #[test]
    fn patterns_mirror_the_validator() {
        let root = schema();
        let mut found = Vec::new();
        patterns(&root, "", &mut found);
        let sheet = format!(
            "^(role/{i}/{i}|policy-approval|all-staff/{i}|board-resolution)$",
            i = &ID[1..ID.len() - 1]
        );
        let digest = "^([0-9a-fA-F]{12}|[0-9a-fA-F]{64})$";
        let language = "^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$";
        let control = "^A\\.(5\\.([1-9]|[12][0-9]|3[0-7])|6\\.[1-8]|7\\.([1-9]|1[0-4])|8\\.([1-9]|[12][0-9]|3[0-4]))$";
        for (at, p) in &found {
            assert!(
                [ID, CLAUSE, sheet.as_str(), digest, language, control].contains(&p.as_str()),
                "{at}: unexpected pattern {p}"
            );
        }
        // The rule catalogue states the id pattern; the schema uses the same.
        assert!(
            rules::INVALID_ID.checks.contains(ID),
            "{}",
            rules::INVALID_ID.checks
        );

        let check = |pattern: &str, ok: &[&str], bad: &[&str]| {
            let s = serde_json::json!({ "type": "string", "pattern": pattern });
            for x in ok {
                assert!(
                    jsonschema::draft7::is_valid(&s, &Json::from(*x)),
                    "{pattern} refuses {x}"
                );
            }
            for x in bad {
                assert!(
                    !jsonschema::draft7::is_valid(&s, &Json::from(*x)),
                    "{pattern} accepts {x}"
                );
            }
        };
        let long = "a".repeat(64);
        let too_long = "a".repeat(65);
        check(
            ID,
            &["a", "ceo", "isms-manager", "0x", &long],
            &["", "-a", "Ceo", "a_b", "a b", &too_long],
        );
        check(
            CLAUSE,
            &["5", "5.3", "6.1.2", "A.5.2", "A.8.32"],
            &[
                "",
                "A.",
                "A5.2",
                "5.",
                "5..3",
                "Annex A 5.2",
                "1234",
                "a.5.2",
            ],
        );
        check(
            &sheet,
            &["role/ceo/alex", "policy-approval", "all-staff/jo"],
            &[
                "role/ceo",
                "all-staff",
                "policy-approval/x",
                "role/CEO/alex",
            ],
        );
        check(
            digest,
            &["0123456789ab", &"f".repeat(64)],
            &["0123456789a", &"f".repeat(63), "0123456789ag"],
        );
        // Exactly the 93 Annex A 2022 controls the validator accepts (RC112).
        let every: Vec<String> = crate::model::annex_a::all().collect();
        let every: Vec<&str> = every.iter().map(String::as_str).collect();
        check(
            control,
            &every,
            &[
                "A.5.0", "A.5.38", "A.6.9", "A.7.15", "A.8.35", "A.9.1", "A.05.2", "5.2", "A.5.2.1",
            ],
        );
        // The same tags as `organisation.language`'s validation accepts.
        check(
            language,
            &["en", "de", "pt-BR", "gsw", "sr-Latn"],
            &["", "EN", "e", "english", "de_DE", "de-"],
        );
    }

    #[test]
    fn lint_allow_lists_exactly_the_warnings() {
        let root = schema();
        let listed: BTreeSet<&str> =
            root["definitions"]["lint"]["properties"]["allow"]["items"]["enum"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Json::as_str)
                .collect();
        let warnings: BTreeSet<&str> = rules::ALL
            .iter()
            .filter(|r| r.severity == Severity::Warning)
            .flat_map(|r| [r.code, r.name])
            .collect();
        assert_eq!(
            listed, warnings,
            "[lint] allow must list every warning code and name, nothing else"
        );
    }

    #[test]
    fn every_key_has_a_description() {
        fn walk(v: &Json, at: &str, missing: &mut Vec<String>) {
            if let Some(props) = v.get("properties").and_then(Json::as_object) {
                for (k, p) in props {
                    let has = p
                        .get("description")
                        .and_then(Json::as_str)
                        .is_some_and(|d| d.len() > 10);
                    if !has && p.get("$ref").is_none() {
                        missing.push(format!("{at}/{k}"));
                    }
                }
            }
            if let Json::Object(m) = v {
                for (k, x) in m {
                    walk(x, &format!("{at}/{k}"), missing);
                }
            }
        }
        let root = schema();
        let mut missing = Vec::new();
        walk(&root, "", &mut missing);
        for (k, d) in root["definitions"].as_object().unwrap() {
            if d.get("description").and_then(Json::as_str).is_none() {
                missing.push(format!("/definitions/{k}"));
            }
        }
        assert!(missing.is_empty(), "without a description: {missing:?}");
    }
}
