//! `music-gen doctor` through the real binary, against fake token and
//! Google API servers on 127.0.0.1: every check passing, then each failing
//! alone with its advice. Nothing reaches Google.

mod vertex_support;

use std::process::{Command, Output};

use serde_json::{Value, json};
use vertex_support::{Fakes, PROJECT, runtime};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const PREDICT: &str = "aiplatform.endpoints.predict";
const INTERACT: &str = "aiplatform.interactions.create";

fn doctor(fakes: &Fakes) -> Command {
    let mut cmd = doctor_without_project(fakes);
    cmd.args(["--project-id", PROJECT]);
    cmd
}

fn doctor_without_project(fakes: &Fakes) -> Command {
    let mut cmd = fakes.music_gen();
    cmd.env("MUSIC_GEN_GOOGLE_API_BASE", fakes.vertex.uri())
        .arg("--credentials")
        .arg(&fakes.credentials);
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The line of one check, and the advice line under it if any.
fn check<'a>(out: &'a str, label: &str) -> (&'a str, Option<&'a str>) {
    let mut lines = out.lines();
    while let Some(l) = lines.next() {
        let rest: String = l.chars().skip(2).collect();
        if rest.starts_with(label) {
            let advice = lines.next().filter(|n| n.trim_start().starts_with('→'));
            return (l, advice);
        }
    }
    panic!("no {label:?} line in\n{out}");
}

fn run(fakes: &Fakes, extra: &[&str]) -> Output {
    doctor(fakes).args(extra).arg("doctor").output().unwrap()
}

fn healthy(permission: &'static str) -> (tokio::runtime::Runtime, Fakes) {
    let rt = runtime();
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        fakes.expect_token_requests(1).await;
        fakes.google_all_well(permission).await;
        fakes
    });
    (rt, fakes)
}

/// No request may reach Vertex itself: nothing is generated.
fn assert_nothing_generated(rt: &tokio::runtime::Runtime, fakes: &Fakes) {
    let requests = rt.block_on(fakes.vertex.received_requests()).unwrap();
    for r in requests {
        let p = r.url.path();
        assert!(
            !p.contains(":predict") && !p.contains("interactions"),
            "generation requested: {p}"
        );
    }
}

#[test]
fn every_check_passes_and_nothing_is_generated() {
    let (rt, fakes) = healthy(PREDICT);
    let o = run(&fakes, &[]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    let (creds, _) = check(&out, "credentials");
    assert!(creds.starts_with('✓'), "{creds}");
    assert!(
        creds.contains("service account") && creds.contains("@"),
        "kind and e-mail: {creds}"
    );
    for label in [
        "access token",
        "project",
        "Vertex AI API",
        "permission",
        "model & location",
        "folders",
    ] {
        let (line, advice) = check(&out, label);
        assert!(line.starts_with('✓'), "{line}");
        assert!(advice.is_none(), "{label} passes without advice");
    }
    assert!(check(&out, "folders").0.contains("music-gen.log"));
    assert!(out.contains("gcp mode would work"));
    assert!(
        !out.contains(vertex_support::TOKEN),
        "the token is never shown"
    );
    assert_nothing_generated(&rt, &fakes);

    // The headers carried the token, and no quota project: a service
    // account's own project pays (tests/credentials.rs has the other kinds).
    let requests = rt.block_on(fakes.vertex.received_requests()).unwrap();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert!(!r.headers.contains_key("x-goog-user-project"));
        assert_eq!(
            r.headers["authorization"],
            format!("Bearer {}", vertex_support::TOKEN).as_str()
        );
    }
    let body: Value = serde_json::from_slice(&requests[2].body).unwrap();
    assert_eq!(body, json!({"permissions": [PREDICT]}));
}

#[test]
fn json_report_for_machines() {
    let (_rt, fakes) = healthy(INTERACT);
    let o = doctor(&fakes)
        .args(["--model", "lyria-3-pro-preview", "--location", "global"])
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);
    let checks = v["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 7);
    assert_eq!(checks[0]["name"], "credentials");
    assert!(checks.iter().all(|c| c["status"] == "pass"), "{v}");
    assert!(checks[4]["detail"].as_str().unwrap().contains(INTERACT));
}

/// One failing answer among healthy ones; exit 1 and the advice named.
fn failing_alone(
    set_up: impl AsyncFnOnce(&Fakes),
    extra: &[&str],
    label: &str,
    detail: &str,
    advice: &str,
) {
    let rt = runtime();
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        set_up(&fakes).await;
        fakes
    });
    let o = run(&fakes, extra);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        text(&o.stderr).contains("gcp mode would not work"),
        "{}",
        text(&o.stderr)
    );
    let (line, help) = check(&out, label);
    assert!(line.starts_with('✗'), "{line}");
    assert!(line.contains(detail), "{detail:?} not in {line}");
    let help = help.unwrap_or_else(|| panic!("no advice for {label}:\n{out}"));
    assert!(help.contains(advice), "{advice:?} not in {help}");
    // Everything else passed (or was skipped because of this failure).
    for l in out.lines().filter(|l| !l.trim_start().starts_with('→')) {
        if !l.contains(label) {
            assert!(
                l.starts_with('✓') || l.starts_with('-'),
                "only {label} fails: {l}"
            );
        }
    }
    assert_nothing_generated(&rt, &fakes);
}

#[test]
fn vertex_api_disabled_gives_the_enable_command() {
    failing_alone(
        async |f: &Fakes| {
            f.expect_token_requests(1).await;
            f.google_project(200, json!({"lifecycleState": "ACTIVE"}))
                .await;
            f.google_vertex_api(200, "DISABLED").await;
            f.google_permissions(&[PREDICT]).await;
        },
        &[],
        "Vertex AI API",
        "not enabled in test-project",
        "gcloud services enable aiplatform.googleapis.com --project test-project",
    );
}

#[test]
fn missing_permission_names_the_role_and_the_binding_command() {
    failing_alone(
        async |f: &Fakes| {
            f.expect_token_requests(1).await;
            f.google_project(200, json!({"lifecycleState": "ACTIVE"}))
                .await;
            f.google_vertex_api(200, "ENABLED").await;
            f.google_permissions(&[]).await;
        },
        &[],
        "permission",
        PREDICT,
        "gcloud projects add-iam-policy-binding test-project --member=serviceAccount:",
    );
    // Lyria 3 needs its own permission.
    failing_alone(
        async |f: &Fakes| {
            f.expect_token_requests(1).await;
            f.google_all_well(PREDICT).await;
        },
        &["--model", "lyria-3-clip-preview", "--location", "global"],
        "permission",
        INTERACT,
        "--role=roles/aiplatform.user",
    );
}

#[test]
fn unknown_project_fails_and_skips_what_needs_it() {
    failing_alone(
        async |f: &Fakes| {
            f.expect_token_requests(1).await;
            f.google_project(403, json!({"error": {"code": 403, "message": "denied"}}))
                .await;
        },
        &[],
        "project",
        "does not exist, or these credentials may not see it",
        "gcloud projects list",
    );
}

#[test]
fn token_refused_is_reported_with_advice() {
    failing_alone(
        async |f: &Fakes| {
            Mock::given(method("POST"))
                .and(path("/token"))
                .respond_with(ResponseTemplate::new(400).set_body_json(json!({
                    "error": "invalid_grant",
                    "error_description": "Invalid JWT Signature."
                })))
                .mount(&f.oauth)
                .await;
        },
        &[],
        "access token",
        "could not get an access token",
        "still valid",
    );
}

#[test]
fn unreadable_credentials_fail_first() {
    failing_alone(
        async |f: &Fakes| {
            std::fs::write(&f.credentials, "{\"type\": \"external_account\"}").unwrap();
        },
        &[],
        "credentials",
        "\"external_account\" credentials, which gcp_auth does not support",
        "gcloud auth application-default login",
    );
}

#[test]
fn lyria3_outside_global_fails_the_location_check() {
    failing_alone(
        async |f: &Fakes| {
            f.expect_token_requests(1).await;
            f.google_all_well(INTERACT).await;
        },
        &[
            "--model",
            "lyria-3-pro-preview",
            "--location",
            "us-central1",
        ],
        "model & location",
        "offered only in global",
        "--location global",
    );
}

#[test]
fn unwritable_output_folder_fails_the_folders_check() {
    failing_alone(
        async |f: &Fakes| {
            f.expect_token_requests(1).await;
            f.google_all_well(PREDICT).await;
            // A file where the folder should be: no permission trick that root ignores.
            std::fs::write(f.dir.path().join("blocker"), "x").unwrap();
        },
        &["--output-dir", "blocker/tracks"],
        "folders",
        "output folder",
        "--output-dir",
    );
}

#[test]
fn service_usage_403_means_could_not_tell_not_failure() {
    let rt = runtime();
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        fakes.expect_token_requests(1).await;
        fakes
            .google_project(200, json!({"lifecycleState": "ACTIVE"}))
            .await;
        fakes.google_vertex_api(403, "").await;
        fakes.google_permissions(&[PREDICT]).await;
        fakes
    });
    let o = run(&fakes, &[]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let (line, advice) = check(&out, "Vertex AI API");
    assert!(
        line.starts_with('?') && line.contains("could not tell"),
        "{line}"
    );
    assert!(advice.unwrap().contains("gcloud services enable"));
}

#[test]
fn no_project_and_a_network_error_are_named() {
    let rt = runtime();
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        fakes.expect_token_requests(2).await;
        fakes
    });
    let o = doctor_without_project(&fakes)
        .arg("doctor")
        .output()
        .unwrap();
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1));
    let (line, advice) = check(&out, "project");
    assert!(line.contains("no project set"), "{line}");
    assert!(advice.unwrap().contains("--project-id"));
    assert!(check(&out, "permission").0.starts_with('-'));

    // Google unreachable: said as a network error.
    let o = doctor(&fakes)
        .env("MUSIC_GEN_GOOGLE_API_BASE", "http://127.0.0.1:9")
        .arg("doctor")
        .output()
        .unwrap();
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1));
    let (line, _) = check(&out, "project");
    assert!(line.contains("network error"), "{line}");
}
