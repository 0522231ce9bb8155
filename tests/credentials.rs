//! Which credentials a generation uses and what it sends with them, through
//! the real binary against the fake token and Google servers, with HOME,
//! CLOUDSDK_CONFIG and PATH pinned to the test's folder:
//! - `x-goog-user-project` per credential kind: a user's login sends its
//!   quota project (else the project); a service account sends none unless
//!   asked (`--quota-project`, GOOGLE_CLOUD_QUOTA_PROJECT);
//! - a user's `authorized_user` file is refreshed by music-gen itself;
//! - kinds music-gen cannot use are named exactly;
//! - token calls go through HTTP(S)_PROXY.

mod vertex_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::json;
use vertex_support::{Fakes, LYRIA2_PATH, PROJECT, TOKEN, fake_audio, predictions, runtime};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PREDICT: &str = "aiplatform.endpoints.predict";
const REFRESH_TOKEN: &str = "1//fake-refresh-token";

/// The binary against the fakes, for the test project, with no credentials
/// chosen: each test gives its own.
fn music_gen(fakes: &Fakes) -> Command {
    let mut cmd = fakes.music_gen();
    cmd.env("MUSIC_GEN_GOOGLE_API_BASE", fakes.vertex.uri())
        .args(["--project-id", PROJECT, "--endpoint"])
        .arg(fakes.vertex.uri());
    cmd
}

fn generate(cmd: &mut Command) -> Output {
    cmd.args([
        "--mode",
        "gcp",
        "generate",
        "-p",
        "rock_anthem",
        "-t",
        "la",
        "--yes",
    ])
    .output()
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// gcloud's application-default file for a user, in the test's
/// CLOUDSDK_CONFIG, refreshed at `token_uri`.
fn user_login(dir: &Path, token_uri: &str, quota_project: Option<&str>) -> PathBuf {
    let gcloud = dir.join("gcloud");
    std::fs::create_dir_all(&gcloud).unwrap();
    let mut file = json!({
        "type": "authorized_user",
        "client_id": "fake-client.apps.googleusercontent.com",
        "client_secret": "fake-client-secret",
        "refresh_token": REFRESH_TOKEN,
        "token_uri": token_uri,
    });
    if let Some(q) = quota_project {
        file["quota_project_id"] = json!(q);
    }
    let path = gcloud.join("application_default_credentials.json");
    std::fs::write(&path, file.to_string()).unwrap();
    path
}

async fn expect_refresh(server: &MockServer, times: u64) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains(
            "refresh_token=1%2F%2Ffake-refresh-token",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": TOKEN,
            "expires_in": 3599,
            "token_type": "Bearer",
        })))
        .expect(times)
        .mount(server)
        .await;
}

async fn expect_lyria2(fakes: &Fakes) {
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(predictions(&[&fake_audio("cred", 512)]))
        .expect(1)
        .mount(&fakes.vertex)
        .await;
}

/// The `x-goog-user-project` of every request the fake Google got.
fn quota_headers(rt: &tokio::runtime::Runtime, fakes: &Fakes) -> Vec<Option<String>> {
    let requests = rt.block_on(fakes.vertex.received_requests()).unwrap();
    assert!(!requests.is_empty());
    requests
        .iter()
        .map(|r| {
            r.headers
                .get("x-goog-user-project")
                .map(|v| v.to_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn a_user_login_sends_its_quota_project() {
    let rt = runtime();
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        // One refresh for doctor, one for the generation: music-gen trades
        // the refresh token itself.
        expect_refresh(&fakes.oauth, 2).await;
        fakes.google_all_well(PREDICT).await;
        expect_lyria2(&fakes).await;
        fakes
    });
    let token_uri = format!("{}/token", fakes.oauth.uri());
    user_login(fakes.dir.path(), &token_uri, Some("billing-project"));

    let out = music_gen(&fakes).arg("doctor").output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("user"), "{stdout}");
    let out = generate(&mut music_gen(&fakes));
    assert!(out.status.success(), "{}", text(&out.stderr));

    let headers = quota_headers(&rt, &fakes);
    assert_eq!(headers.len(), 4, "3 checks and 1 generation");
    for h in headers {
        assert_eq!(h.as_deref(), Some("billing-project"));
    }
    rt.block_on(fakes.oauth.verify());
}

#[test]
fn a_user_login_without_a_quota_project_sends_the_project() {
    let rt = runtime();
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        expect_refresh(&fakes.oauth, 1).await;
        expect_lyria2(&fakes).await;
        fakes
    });
    // Named by GOOGLE_APPLICATION_CREDENTIALS this time, which gcp_auth
    // alone refused for a user's file.
    let login = user_login(
        fakes.dir.path(),
        &format!("{}/token", fakes.oauth.uri()),
        None,
    );
    let out = generate(music_gen(&fakes).env("GOOGLE_APPLICATION_CREDENTIALS", &login));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(quota_headers(&rt, &fakes), vec![Some(PROJECT.to_string())]);
}

#[test]
fn a_service_account_sends_no_quota_project_unless_asked() {
    let rt = runtime();
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        fakes.expect_token_requests(3).await;
        Mock::given(method("POST"))
            .and(path(LYRIA2_PATH))
            .respond_with(predictions(&[&fake_audio("sa", 512)]))
            .expect(3)
            .mount(&fakes.vertex)
            .await;
        fakes
    });
    let run = |extra: &[&str], env: Option<(&str, &str)>| {
        let mut cmd = music_gen(&fakes);
        cmd.arg("--credentials").arg(&fakes.credentials).args(extra);
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = generate(&mut cmd);
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    run(&[], None);
    run(&["--quota-project", "asked-for"], None);
    run(&[], Some(("GOOGLE_CLOUD_QUOTA_PROJECT", "from-env")));
    assert_eq!(
        quota_headers(&rt, &fakes),
        vec![
            None,
            Some("asked-for".to_string()),
            Some("from-env".to_string())
        ]
    );
}

#[test]
fn credentials_music_gen_cannot_use_are_named_exactly() {
    let rt = runtime();
    let fakes = rt.block_on(Fakes::start());
    for (kind, words) in [
        ("external_account", "workload identity federation"),
        (
            "impersonated_service_account",
            "service-account impersonation",
        ),
    ] {
        let file = fakes.dir.path().join(format!("{kind}.json"));
        std::fs::write(&file, json!({"type": kind, "audience": "x"}).to_string()).unwrap();
        let out = generate(music_gen(&fakes).env("GOOGLE_APPLICATION_CREDENTIALS", &file));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(words), "{err}");
        assert!(err.contains("cannot use yet"), "{err}");
        assert!(err.contains("GOOGLE_APPLICATION_CREDENTIALS"), "{err}");
        assert!(!err.contains("no Google Cloud credentials found"), "{err}");
    }
    let requests = rt.block_on(fakes.vertex.received_requests()).unwrap();
    assert!(requests.is_empty(), "nothing was sent");
}

#[test]
fn without_any_credentials_the_machines_own_are_never_found() {
    // HOME, CLOUDSDK_CONFIG and PATH point at empty folders: whatever this
    // machine has (a gcloud login, an ADC file), the chain finds nothing.
    // The metadata server's name does not resolve off Google Cloud.
    let rt = runtime();
    let fakes = rt.block_on(Fakes::start());
    let out = generate(&mut music_gen(&fakes));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no Google Cloud credentials found"), "{err}");
}

#[test]
fn token_calls_go_through_the_proxy() {
    let rt = runtime();
    let (fakes, proxy) = rt.block_on(async {
        let fakes = Fakes::start().await;
        let proxy = MockServer::start().await;
        // A proxy gets the absolute URL; the host does not resolve, so only
        // the proxy can answer.
        expect_refresh(&proxy, 1).await;
        fakes.google_all_well(PREDICT).await;
        (fakes, proxy)
    });
    user_login(fakes.dir.path(), "http://oauth.invalid/token", None);
    let out = music_gen(&fakes)
        .env("HTTP_PROXY", proxy.uri())
        .env("NO_PROXY", "127.0.0.1")
        .arg("doctor")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let seen = rt.block_on(proxy.received_requests()).unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].headers["host"], "oauth.invalid");
}
