//! `music-gen serve` answers what the Python tool answers. The fixtures in
//! tests/fixtures/python_api/ were captured from a real run of the Python
//! tool's uvicorn (see the README there); each case is replayed here, in
//! order, against the real binary, and the status and JSON compared.

mod serve_support;

use std::path::Path;

use serde_json::Value;
use serve_support::Launch;

/// Where music-gen's answer may differ, and why.
fn compare(server: &str, case: &Value, status: u16, body: &Value) {
    let name = case["name"].as_str().unwrap();
    let expected = &case["body"];
    assert_eq!(
        status,
        case["status"].as_u64().unwrap() as u16,
        "{server}/{name}: status; body {body}"
    );
    match (expected, body) {
        // Generation results: the Python tool's keys with the same values;
        // music-gen adds its own (cost_estimate) beside them.
        (Value::Object(want), Value::Object(got)) if want.contains_key("prompt") => {
            for (k, v) in want {
                assert_eq!(got.get(k), Some(v), "{server}/{name}: key {k}");
            }
        }
        // `docs` points at what we serve: /openapi.json (no Swagger page).
        (Value::Object(want), Value::Object(got)) if want.contains_key("docs") => {
            let mut want = want.clone();
            want.insert("docs".into(), "/openapi.json".into());
            assert_eq!(&Value::Object(want), body, "{server}/{name}");
            assert_eq!(got["version"], "0.1.0");
        }
        _ => assert_eq!(expected, body, "{server}/{name}"),
    }
}

fn replay(server: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/python_api")
        .join(format!("{server}.json"));
    let fixture: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let mut launch = Launch::new();
    for (k, v) in fixture["env"].as_object().unwrap() {
        launch = launch.env(k, v.as_str().unwrap());
    }
    let s = launch.start();
    let cases = fixture["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let method =
            reqwest::Method::from_bytes(case["method"].as_str().unwrap().as_bytes()).unwrap();
        let mut req = s
            .http
            .request(method, s.url(case["path"].as_str().unwrap()));
        if let Some(headers) = case.get("headers").and_then(Value::as_object) {
            for (k, v) in headers {
                req = req.header(k, v.as_str().unwrap());
            }
        }
        if let Some(json) = case.get("json") {
            req = req
                .header("content-type", "application/json")
                .body(json.to_string());
        } else if let Some(raw) = case.get("raw") {
            req = req.body(raw.as_str().unwrap().to_string());
        }
        let (status, body) = serve_support::answer(req.send().unwrap());
        compare(server, case, status, &body);
    }
}

#[test]
fn simulate_answers_match_the_python_tool() {
    replay("simulate");
}

#[test]
fn api_key_answers_match_the_python_tool() {
    replay("simulate_key");
}

/// gcp mode's root, health and config (no generation: that is tested
/// against the fake Vertex servers in serve_gcp.rs).
#[test]
fn gcp_config_matches_the_python_tool() {
    replay("gcp_config");
}
