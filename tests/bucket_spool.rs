//! Takes in a bucket when the store misbehaves, on Cloud Storage
//! (fake-gcs-server) and S3 (moto), each behind a proxy that fails the
//! requests a test picks: a prune stopped part way names what it deleted;
//! the server answers a store it cannot use with 503 on /tracks as on
//! /presets, and a garbage metadata object with 422.

mod serve_support;
#[macro_use]
mod storage_support;
mod vertex_support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use storage_support::Backend;

const PREFIX: &str = "team/takes";

/// What the proxy does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Pass,
    /// Answers this status instead of passing it on.
    Refuse(u16),
    /// Passes it on, then answers this status: the store did it, the
    /// client never hears so (a stalled answer).
    Lie(u16),
}

/// The proxy's rule: the method, the path and query, and the body.
type Rule = Box<dyn Fn(&str, &str, &[u8]) -> Act + Send>;

/// An upload of a take's metadata object, on either store.
fn metadata_upload(method: &str, target: &str, body: &[u8]) -> bool {
    let path = target.split('?').next().unwrap_or("");
    (method == "POST"
        && path.starts_with("/upload/")
        && String::from_utf8_lossy(body).contains(".json\""))
        || (method == "PUT" && path.ends_with(".json"))
}

/// A store behind a proxy whose rule the test changes as it goes.
struct Proxy {
    base: String,
    rule: Arc<Mutex<Rule>>,
    _rt: tokio::runtime::Runtime,
}

impl Proxy {
    fn start(b: Backend) -> Proxy {
        use axum::body::{Body, to_bytes};
        use axum::http::{Request, Response};
        let rt = vertex_support::runtime();
        let upstream = match b {
            Backend::Gcs => storage_support::host().to_string(),
            Backend::S3 => storage_support::moto().to_string(),
        };
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let rule: Arc<Mutex<Rule>> = Arc::new(Mutex::new(Box::new(|_, _, _| Act::Pass)));
        let shared = Arc::clone(&rule);
        let app = axum::Router::new().fallback(move |req: Request<Body>| {
            let upstream = upstream.clone();
            let http = http.clone();
            let rule = Arc::clone(&shared);
            async move {
                let (parts, body) = req.into_parts();
                let body = to_bytes(body, usize::MAX).await.unwrap();
                let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let act = (rule.lock().unwrap())(parts.method.as_str(), target, &body);
                let refusal = |status: u16| {
                    Response::builder()
                        .status(status)
                        .body(Body::from(
                            "{\"error\":{\"code\":503,\"message\":\"backend unavailable\"}}",
                        ))
                        .unwrap()
                };
                if let Act::Refuse(status) = act {
                    return refusal(status);
                }
                let mut forwarded = http
                    .request(parts.method, format!("{upstream}{target}"))
                    .body(body);
                for (k, v) in &parts.headers {
                    if k != "host" {
                        forwarded = forwarded.header(k, v);
                    }
                }
                let answer = forwarded.send().await.unwrap();
                if let Act::Lie(status) = act {
                    return refusal(status);
                }
                let mut out = Response::builder().status(answer.status());
                for (k, v) in answer.headers() {
                    // Hop by hop, or set again for the body sent here.
                    if !matches!(
                        k.as_str(),
                        "transfer-encoding" | "connection" | "content-length"
                    ) {
                        out = out.header(k, v);
                    }
                }
                out.body(Body::from(answer.bytes().await.unwrap())).unwrap()
            }
        });
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        rt.spawn(async move { axum::serve(listener, app).await });
        Proxy {
            base: format!("http://{addr}"),
            rule,
            _rt: rt,
        }
    }

    fn set(&self, rule: impl Fn(&str, &str, &[u8]) -> Act + Send + 'static) {
        *self.rule.lock().unwrap() = Box::new(rule);
    }

    /// The environment a `music-gen` process reaches the store through
    /// this proxy with.
    fn env(&self, b: Backend) -> Vec<(&'static str, String)> {
        let mut env = b.env();
        for (k, v) in &mut env {
            if *k == b.endpoint_variable() {
                *v = self.base.clone();
            }
        }
        env
    }
}

fn location(b: Backend, bucket: &str) -> String {
    format!("{}://{bucket}/{PREFIX}", b.scheme())
}

/// `music-gen ARGS` on a machine of its own (`home`), through `proxy`.
fn cli(b: Backend, proxy: &Proxy, home: &Path, bucket: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_music-gen"));
    vertex_support::isolate(&mut cmd, home);
    cmd.envs(proxy.env(b))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("MUSIC_GEN_OUTPUT_DIR", location(b, bucket))
        .env("MUSIC_GEN_PRESETS_DIR", home.join("presets"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn objects(b: Backend, bucket: &str) -> Vec<String> {
    let rt = vertex_support::runtime();
    let mut names: Vec<String> = rt
        .block_on(b.client(bucket).list(&format!("{PREFIX}/")))
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    names.sort();
    names
}

/// Three simulated takes (a metadata object each), then a prune of all of
/// them whose third delete the store refuses: the two deleted before are
/// named, and the exit says it failed.
fn a_prune_stopped_part_way_names_what_it_deleted(b: Backend) {
    let bucket = b.bucket();
    let proxy = Proxy::start(b);
    let home = tempfile::tempdir().unwrap();
    for genre in ["rock", "jazz", "folk"] {
        ok(&cli(
            b,
            &proxy,
            home.path(),
            &bucket,
            &["generate", "-g", genre, "-t", "x"],
        ));
    }
    let listed: Value = serde_json::from_str(&ok(&cli(
        b,
        &proxy,
        home.path(),
        &bucket,
        &["history", "--json"],
    )))
    .unwrap();
    let ids: Vec<String> = listed["takes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3, "{listed}");
    let deletes = Arc::new(Mutex::new(0));
    let seen = Arc::clone(&deletes);
    proxy.set(move |method, _, _| {
        if method != "DELETE" {
            return Act::Pass;
        }
        let mut n = seen.lock().unwrap();
        *n += 1;
        if *n >= 3 { Act::Refuse(503) } else { Act::Pass }
    });
    let out = cli(
        b,
        &proxy,
        home.path(),
        &bucket,
        &["history", "prune", "--keep", "0", "--yes"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    // The takes are deleted oldest last: the newest two went first.
    let left = objects(b, &bucket);
    assert_eq!(left.len(), 1, "{left:?}");
    let gone: Vec<&String> = ids.iter().filter(|id| !left[0].contains(*id)).collect();
    assert_eq!(gone.len(), 2);
    assert!(
        stderr.contains("HTTP 503")
            && stderr.contains("the prune stopped: 2 takes (")
            && stderr.contains(&format!(
                "were deleted before that: {}, {}",
                gone[0], gone[1]
            )),
        "{stderr}"
    );
}

/// A server whose takes and presets are in the bucket, through `proxy`.
fn server(b: Backend, proxy: &Proxy, bucket: &str) -> serve_support::Server {
    server_with(b, proxy, bucket, &[])
}

/// [`server`] with these flags before `serve`.
fn server_with(b: Backend, proxy: &Proxy, bucket: &str, flags: &[String]) -> serve_support::Server {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_path_buf();
    let mut launch = serve_support::Launch::new()
        .env("MUSIC_GEN_OUTPUT_DIR", &location(b, bucket))
        .env(
            "MUSIC_GEN_PRESETS_DIR",
            &format!("{}://{bucket}/shared/presets", b.scheme()),
        )
        .env("XDG_CACHE_HOME", home.join("cache").to_str().unwrap())
        .env("XDG_DATA_HOME", home.join("data").to_str().unwrap())
        .env("HOME", home.to_str().unwrap());
    for (k, v) in proxy.env(b) {
        launch = launch.env(k, &v);
    }
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    launch.args_from(&flags).in_dir(dir).start()
}

/// A generation the server cannot upload is a 502 saying where the take
/// is kept and that `history upload` uploads it; /tracks lists it as not
/// uploaded, and the next generation that reaches the bucket takes it
/// along.
fn the_server_lists_a_take_it_could_not_upload_and_pushes_it_later(b: Backend) {
    let rt = vertex_support::runtime();
    let fakes = fakes(&rt);
    let bucket = b.bucket();
    let proxy = Proxy::start(b);
    let s = server_with(b, &proxy, &bucket, &gcp_flags(&fakes));
    let body = serde_json::json!({"text_input": "We rise", "genre": "rock", "duration_seconds": 60, "preset_name": "rock_anthem"});
    proxy.set(|m, t, body| {
        if metadata_upload(m, t, body) {
            Act::Refuse(503)
        } else {
            Act::Pass
        }
    });
    let (status, answer) = s.post("/tracks/generate", &body);
    assert_eq!(status, 502, "{answer}");
    let detail = answer["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!(
            "Uploading the take to {}://{bucket}/{PREFIX}/: ",
            b.scheme()
        )) && detail.ends_with("`music-gen history upload` uploads it"),
        "{detail}"
    );
    proxy.set(|_, _, _| Act::Pass);
    let (status, page) = s.get("/tracks");
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["takes"][0]["state"]["state"], "not_uploaded", "{page}");
    let id = page["takes"][0]["id"].as_str().unwrap().to_string();
    let (status, take) = s.get(&format!("/tracks/{id}"));
    assert_eq!(status, 200, "{take}");
    assert_eq!(take["state"]["state"], "not_uploaded", "{take}");

    let (status, answer) = s.post("/tracks/generate", &body);
    assert_eq!(status, 200, "{answer}");
    let (_, page) = s.get("/tracks");
    assert_eq!(page["total"], 2, "{page}");
    for t in page["takes"].as_array().unwrap() {
        assert_eq!(t["state"]["state"], "ready", "{page}");
    }
    assert_eq!(
        objects(b, &bucket).len(),
        4,
        "two takes, audio and metadata"
    );
}

/// A hand-placed garbage metadata object is listed as unreadable and its
/// GET is a 422 naming it; a store that fails every request is a 503 on
/// /tracks, /tracks/{id} and /presets alike, one line without the
/// bucket's name.
fn the_server_answers_a_failing_store_and_a_garbage_take_clearly(b: Backend) {
    let bucket = b.bucket();
    let proxy = Proxy::start(b);
    let rt = vertex_support::runtime();
    let id = "20261130-120000-rock";
    rt.block_on(b.client(&bucket).write(
        &format!("{PREFIX}/{id}.json"),
        b"garbage{",
        "application/json",
        &music_gen::storage::Precondition::None,
    ))
    .unwrap();
    let s = server(b, &proxy, &bucket);
    let (status, page) = s.get("/tracks");
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["takes"][0]["state"]["state"], "unreadable", "{page}");
    for path in [format!("/tracks/{id}"), format!("/tracks/{id}/audio")] {
        let (status, body) = s.get(&path);
        assert_eq!(status, 422, "{path}: {body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.starts_with(&format!("Take {id}'s metadata cannot be read: ")),
            "{detail}"
        );
    }
    let (status, _) = s.get("/presets");
    assert_eq!(status, 200);

    proxy.set(|_, _, _| Act::Refuse(503));
    for path in ["/tracks", &format!("/tracks/{id}"), "/presets"] {
        let (status, body) = s.get(path);
        assert_eq!(status, 503, "{path}: {body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("Service unavailable: the ")
                && detail.ends_with(" store could not be reached; see the server log")
                && !detail.contains(&bucket),
            "{path}: {detail}"
        );
    }
}

/// Fakes whose Vertex answers one Lyria 2 sample, `audio()`.
fn fakes(rt: &tokio::runtime::Runtime) -> vertex_support::Fakes {
    use wiremock::Mock;
    use wiremock::matchers::{method, path};
    rt.block_on(async {
        let fakes = vertex_support::Fakes::start().await;
        fakes.expect_token_requests(1..).await;
        Mock::given(method("POST"))
            .and(path(vertex_support::LYRIA2_PATH))
            .respond_with(vertex_support::predictions(&[&audio()]))
            .mount(&fakes.vertex)
            .await;
        fakes
    })
}

fn audio() -> Vec<u8> {
    vertex_support::fake_audio("spool", 4096)
}

fn gcp_flags(fakes: &vertex_support::Fakes) -> Vec<String> {
    [
        "--mode",
        "gcp",
        "--project-id",
        vertex_support::PROJECT,
        "--credentials",
        fakes.credentials.to_str().unwrap(),
        "--endpoint",
        &fakes.vertex.uri(),
    ]
    .map(str::to_string)
    .to_vec()
}

fn gcp_generate(fakes: &vertex_support::Fakes, genre: &str) -> Vec<String> {
    let mut args = gcp_flags(fakes);
    args.extend(["generate", "-g", genre, "-t", "We rise", "--yes"].map(str::to_string));
    args
}

fn spooled(home: &Path, bucket: &str) -> Vec<std::path::PathBuf> {
    vertex_support::files_in(&home.join("data/music-gen/spool").join(bucket).join(PREFIX))
}

fn takes(b: Backend, proxy: &Proxy, home: &Path, bucket: &str) -> Vec<Value> {
    let page: Value =
        serde_json::from_str(&ok(&cli(b, proxy, home, bucket, &["history", "--json"]))).unwrap();
    page["takes"].as_array().unwrap().clone()
}

/// Three paid takes whose uploads failed wait in the spool, listed as not
/// uploaded; `history upload` puts each in the bucket once: one whose
/// audio a killed upload left behind is finished under its name, one
/// whose name another take holds goes to the next name, one whose earlier
/// upload completed after all (its answer lost) is kept as it is, with
/// its audio put back. Nothing is uploaded twice; the spool empties.
fn history_upload_puts_each_spooled_take_in_the_bucket_once(b: Backend) {
    let rt = vertex_support::runtime();
    let fakes = fakes(&rt);
    let bucket = b.bucket();
    let proxy = Proxy::start(b);
    let home = tempfile::tempdir().unwrap();
    let generate = |genre: &str, act: Act| {
        proxy.set(move |m, t, body| {
            if metadata_upload(m, t, body) {
                act
            } else {
                Act::Pass
            }
        });
        let args = gcp_generate(&fakes, genre);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = cli(b, &proxy, home.path(), &bucket, &args);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!out.status.success(), "{stderr}");
        assert!(
            stderr.contains("the generation was billed")
                && stderr.contains("`music-gen history upload` uploads it"),
            "{stderr}"
        );
    };
    generate("rock", Act::Refuse(503));
    generate("jazz", Act::Refuse(503));
    generate("folk", Act::Lie(503));
    proxy.set(|_, _, _| Act::Pass);
    assert_eq!(spooled(home.path(), &bucket).len(), 6, "three takes, whole");
    let listed = takes(b, &proxy, home.path(), &bucket);
    let waiting: Vec<&Value> = listed
        .iter()
        .filter(|t| t["state"]["state"] == "not_uploaded")
        .collect();
    assert_eq!(waiting.len(), 3, "{listed:?}");
    let spool_dir = home.path().join("data/music-gen/spool").join(&bucket);
    for t in &waiting {
        let path = t["metadata_path"].as_str().unwrap();
        assert!(path.starts_with(spool_dir.to_str().unwrap()), "{path}");
    }
    let table = ok(&cli(b, &proxy, home.path(), &bucket, &["history"]));
    assert!(
        table.contains("not uploaded")
            && table.contains("3 takes not uploaded: kept on this machine in ")
            && table.contains("`music-gen history upload` uploads them"),
        "{table}"
    );
    // A store that fails every request: the waiting takes are still
    // shown, then the failure.
    proxy.set(|_, _, _| Act::Refuse(503));
    let down = cli(b, &proxy, home.path(), &bucket, &["history"]);
    let shown = String::from_utf8_lossy(&down.stdout);
    let stderr = String::from_utf8_lossy(&down.stderr);
    assert!(!down.status.success(), "{shown}");
    assert_eq!(shown.matches("not uploaded  ").count(), 3, "{shown}");
    assert!(
        stderr.contains("HTTP 503")
            && stderr
                .trim_end()
                .ends_with("; the takes waiting on this machine are shown above"),
        "{stderr}"
    );
    proxy.set(|_, _, _| Act::Pass);
    let id = |genre: &str| -> String {
        waiting
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .find(|id| id.ends_with(genre))
            .unwrap()
    };
    let (rock, jazz, folk) = (id("-rock"), id("-jazz"), id("-folk"));
    // The folk take's metadata landed, its audio was removed after the
    // lost answer.
    assert_eq!(
        objects(b, &bucket),
        vec![format!("{PREFIX}/{folk}.json")],
        "only the folk take's metadata"
    );
    // A killed upload of the rock take left its audio; another take holds
    // the jazz take's audio name.
    let store = b.client(&bucket);
    let put = |name: String, bytes: Vec<u8>| {
        rt.block_on(store.write(
            &name,
            &bytes,
            "audio/wav",
            &music_gen::storage::Precondition::None,
        ))
        .unwrap();
    };
    put(format!("{PREFIX}/{rock}.wav"), audio());
    put(format!("{PREFIX}/{jazz}.wav"), b"another take".to_vec());

    let out = ok(&cli(
        b,
        &proxy,
        home.path(),
        &bucket,
        &["history", "upload"],
    ));
    let url = |name: &str| format!("{}://{bucket}/{PREFIX}/{name}.json", b.scheme());
    assert!(
        out.contains(&format!(
            "Uploaded {rock} to {} (its audio was there already",
            url(&rock)
        )) && out.contains(&format!("Uploaded {jazz} to {}", url(&format!("{jazz}-2"))))
            && out.contains(&format!(
                "{folk} was in the bucket already, as {}",
                url(&folk)
            )),
        "{out}"
    );
    let mut expected: Vec<String> = [
        format!("{folk}.json"),
        format!("{folk}.wav"),
        format!("{jazz}-2.json"),
        format!("{jazz}-2.wav"),
        format!("{jazz}.wav"),
        format!("{rock}.json"),
        format!("{rock}.wav"),
    ]
    .iter()
    .map(|n| format!("{PREFIX}/{n}"))
    .collect();
    expected.sort();
    assert_eq!(objects(b, &bucket), expected);
    assert!(spooled(home.path(), &bucket).is_empty());
    let listed = takes(b, &proxy, home.path(), &bucket);
    assert_eq!(listed.len(), 3, "{listed:?}");
    for t in &listed {
        assert_eq!(t["state"]["state"], "ready", "{t}");
    }
    // Each take's audio in the bucket is the paid audio.
    for name in [&rock, &format!("{jazz}-2"), &folk] {
        let bytes = rt
            .block_on(store.read(&format!("{PREFIX}/{name}.wav"), 1 << 20))
            .unwrap()
            .unwrap();
        assert_eq!(bytes, audio(), "{name}");
    }
    let again = ok(&cli(
        b,
        &proxy,
        home.path(),
        &bucket,
        &["history", "upload"],
    ));
    assert!(
        again.starts_with("Nothing waiting to upload to "),
        "{again}"
    );
}

/// Two `history upload` at once put a waiting take in the bucket once;
/// neither fails.
fn two_uploads_at_once_put_a_take_in_the_bucket_once(b: Backend) {
    let bucket = b.bucket();
    let proxy = Arc::new(Proxy::start(b));
    let home = tempfile::tempdir().unwrap();
    proxy.set(|m, t, body| {
        if metadata_upload(m, t, body) {
            Act::Refuse(503)
        } else {
            Act::Pass
        }
    });
    for genre in ["rock", "jazz", "folk"] {
        let out = cli(
            b,
            &proxy,
            home.path(),
            &bucket,
            &["generate", "-g", genre, "-t", "x"],
        );
        assert!(!out.status.success());
    }
    proxy.set(|_, _, _| Act::Pass);
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (proxy, barrier, bucket) =
                (Arc::clone(&proxy), Arc::clone(&barrier), bucket.clone());
            let home = home.path().to_path_buf();
            std::thread::spawn(move || {
                barrier.wait();
                cli(b, &proxy, &home, &bucket, &["history", "upload"])
            })
        })
        .collect();
    for run in runs {
        ok(&run.join().unwrap());
    }
    assert_eq!(objects(b, &bucket).len(), 3, "{:?}", objects(b, &bucket));
    assert!(spooled(home.path(), &bucket).is_empty());
}

/// A spooled take whose audio changed on this disk is never uploaded as
/// the take: it stays, and the failure names it and why.
fn a_spooled_take_whose_audio_changed_is_not_uploaded(b: Backend) {
    let rt = vertex_support::runtime();
    let fakes = fakes(&rt);
    let bucket = b.bucket();
    let proxy = Proxy::start(b);
    let home = tempfile::tempdir().unwrap();
    proxy.set(|m, t, body| {
        if metadata_upload(m, t, body) {
            Act::Refuse(503)
        } else {
            Act::Pass
        }
    });
    let args = gcp_generate(&fakes, "rock");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert!(!cli(b, &proxy, home.path(), &bucket, &args).status.success());
    proxy.set(|_, _, _| Act::Pass);
    let kept = spooled(home.path(), &bucket);
    let wav = kept
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "wav"))
        .unwrap();
    std::fs::write(wav, b"damaged").unwrap();
    let out = cli(b, &proxy, home.path(), &bucket, &["history", "upload"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Not uploaded: ")
            && stdout
                .contains("the audio no longer matches the size and sha256 its metadata recorded"),
        "{stdout}"
    );
    assert!(stderr.contains("1 take not uploaded; kept in "), "{stderr}");
    assert_eq!(objects(b, &bucket), Vec::<String>::new());
    assert_eq!(spooled(home.path(), &bucket).len(), 2);
}

/// A save that reaches the bucket takes the takes still waiting with it.
fn a_later_save_uploads_the_waiting_takes(b: Backend) {
    let bucket = b.bucket();
    let proxy = Proxy::start(b);
    let home = tempfile::tempdir().unwrap();
    proxy.set(|m, t, body| {
        if metadata_upload(m, t, body) {
            Act::Refuse(503)
        } else {
            Act::Pass
        }
    });
    let out = cli(
        b,
        &proxy,
        home.path(),
        &bucket,
        &["generate", "-g", "rock", "-t", "x"],
    );
    assert!(!out.status.success());
    assert_eq!(spooled(home.path(), &bucket).len(), 1);
    proxy.set(|_, _, _| Act::Pass);
    ok(&cli(
        b,
        &proxy,
        home.path(),
        &bucket,
        &["generate", "-g", "jazz", "-t", "y"],
    ));
    assert!(spooled(home.path(), &bucket).is_empty());
    let listed = takes(b, &proxy, home.path(), &bucket);
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(objects(b, &bucket).len(), 2);
}

/// A take whose audio object no longer matches its metadata (another
/// size: seen in the listing; the same size, other bytes: seen when it is
/// downloaded) reads as changed, never as missing: in `history`, `history
/// show`, `play` and the server's answers.
fn a_take_whose_audio_changed_reads_as_changed_not_missing(b: Backend) {
    let rt = vertex_support::runtime();
    let fakes = fakes(&rt);
    let bucket = b.bucket();
    let proxy = Proxy::start(b);
    let home = tempfile::tempdir().unwrap();
    for genre in ["rock", "jazz"] {
        let args = gcp_generate(&fakes, genre);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&cli(b, &proxy, home.path(), &bucket, &args));
    }
    let listed = takes(b, &proxy, home.path(), &bucket);
    let id = |genre: &str| -> String {
        listed
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .find(|id| id.ends_with(genre))
            .unwrap()
    };
    let (rock, jazz) = (id("-rock"), id("-jazz"));
    let store = b.client(&bucket);
    let put = |name: String, bytes: Vec<u8>| {
        rt.block_on(store.write(
            &name,
            &bytes,
            "audio/wav",
            &music_gen::storage::Precondition::None,
        ))
        .unwrap();
    };
    let mut same_size = audio();
    same_size[100] ^= 0xff;
    put(format!("{PREFIX}/{rock}.wav"), same_size);
    put(format!("{PREFIX}/{jazz}.wav"), b"truncated".to_vec());
    // Another machine, with nothing cached.
    let reader = tempfile::tempdir().unwrap();
    let listed = takes(b, &proxy, reader.path(), &bucket);
    let state = |id: &str| listed.iter().find(|t| t["id"] == id).unwrap()["state"].clone();
    assert_eq!(state(&jazz)["state"], "changed", "{listed:?}");
    let table = ok(&cli(b, &proxy, reader.path(), &bucket, &["history"]));
    assert!(table.contains("audio changed"), "{table}");
    assert!(!table.contains("missing"), "{table}");
    for id in [&rock, &jazz] {
        let show = ok(&cli(
            b,
            &proxy,
            reader.path(),
            &bucket,
            &["history", "show", id],
        ));
        assert!(
            show.contains("audio changed: no longer the size and sha256 its metadata recorded")
                && show.contains("(changed or damaged: not the size and sha256 recorded)")
                && !show.contains("missing"),
            "{show}"
        );
        let play = cli(b, &proxy, reader.path(), &bucket, &["play", id]);
        let stderr = String::from_utf8_lossy(&play.stderr);
        assert!(
            !play.status.success() && stderr.contains("(changed or damaged)"),
            "{stderr}"
        );
    }
    let s = server(b, &proxy, &bucket);
    for id in [&rock, &jazz] {
        let (status, body) = s.get(&format!("/tracks/{id}"));
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["state"]["state"], "changed", "{body}");
        assert_eq!(body["audio"][0]["available"], false, "{body}");
        assert_eq!(body["audio"][0]["changed"], true, "{body}");
        let (status, body) = s.get(&format!("/tracks/{id}/audio"));
        assert_eq!(status, 404, "{body}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .ends_with("(changed or damaged)"),
            "{body}"
        );
    }
}

on_every_store!(
    a_spooled_take_whose_audio_changed_is_not_uploaded,
    two_uploads_at_once_put_a_take_in_the_bucket_once,
    the_server_lists_a_take_it_could_not_upload_and_pushes_it_later,
    a_take_whose_audio_changed_reads_as_changed_not_missing,
    a_prune_stopped_part_way_names_what_it_deleted,
    the_server_answers_a_failing_store_and_a_garbage_take_clearly,
    history_upload_puts_each_spooled_take_in_the_bucket_once,
    a_later_save_uploads_the_waiting_takes,
);
