//! The preset store in a Cloud Storage bucket, against fake-gcs-server:
//! the folder store's behaviour (built-ins, deleted-builtin markers,
//! broken presets, save/load/delete, the metadata cache) and the
//! guarantees kept with the store's preconditions (create-only saves and
//! raced replaces, between several stores on one bucket).

use std::sync::{Arc, Barrier};

mod storage_support;

use music_gen::domain::model::{PresetConfig, StyleReference, TrackConfig};
use music_gen::domain::preset_yaml::to_yaml;
use music_gen::domain::presets::{BUILTINS, PresetStore, PresetSummary, StoreError};
use music_gen::storage::BucketPath;
use music_gen::storage::blocking::Blocking;
use music_gen::storage::gcs::{Gcs, RequestCounts, StorageError, Written};

const BUILTIN_NAMES: [&str; 5] = [
    "classical_orchestral",
    "electronic_dance",
    "jazz_smooth",
    "pop_catchy",
    "rock_anthem",
];
const PREFIX: &str = "team/presets/";

fn at(bucket: &str) -> BucketPath {
    BucketPath {
        bucket: bucket.to_string(),
        prefix: PREFIX.to_string(),
    }
}

fn open_with_written(bucket: &str) -> (PresetStore, Vec<String>) {
    PresetStore::open_gcs(at(bucket), storage_support::client(bucket)).expect("open bucket store")
}

fn open(bucket: &str) -> PresetStore {
    open_with_written(bucket).0
}

fn preset(name: &str, genre: &str) -> PresetConfig {
    let mut p = PresetConfig::from_track(
        name,
        Some(format!("{name} description")),
        Some("a tip".into()),
        &TrackConfig::new("", genre),
    );
    p.style_references.push(StyleReference {
        kind: "style".into(),
        value: "something".into(),
    });
    p
}

fn names(list: &[PresetSummary]) -> Vec<&str> {
    list.iter().map(|s| s.name.as_str()).collect()
}

fn find<'a>(list: &'a [PresetSummary], name: &str) -> &'a PresetSummary {
    list.iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("{name} not listed in {:?}", names(list)))
}

/// Raw access to the bucket, as another program (or a person with gsutil)
/// would change it.
struct Raw {
    gcs: Gcs,
    blocking: Blocking,
}

impl Raw {
    fn new(bucket: &str) -> Raw {
        Raw {
            gcs: storage_support::client(bucket),
            blocking: Blocking::new().unwrap(),
        }
    }

    fn put(&self, file: &str, bytes: &[u8]) -> u64 {
        let object = format!("{PREFIX}{file}");
        match self
            .blocking
            .run(self.gcs.write(&object, bytes, "application/yaml", None))
            .unwrap()
        {
            Written::Done { generation } => generation,
            Written::PreconditionFailed => unreachable!("no precondition"),
        }
    }

    fn get(&self, file: &str) -> Option<Vec<u8>> {
        let object = format!("{PREFIX}{file}");
        self.blocking.run(self.gcs.read(&object, 1 << 24)).unwrap()
    }

    fn delete(&self, file: &str) {
        let object = format!("{PREFIX}{file}");
        assert!(self.blocking.run(self.gcs.delete(&object)).unwrap());
    }

    fn files(&self) -> Vec<String> {
        let mut files: Vec<String> = self
            .blocking
            .run(self.gcs.list(PREFIX))
            .unwrap()
            .into_iter()
            .map(|o| o.name[PREFIX.len()..].to_string())
            .collect();
        files.sort();
        files
    }
}

fn since(store: &PresetStore, before: RequestCounts) -> RequestCounts {
    let now = store.storage_requests().expect("a bucket store");
    RequestCounts {
        list: now.list - before.list,
        get: now.get - before.get,
        put: now.put - before.put,
        delete: now.delete - before.delete,
    }
}

// ---------------------------------------------------------------- built-ins

#[test]
fn builtins_are_written_on_open_once_and_a_removed_one_comes_back() {
    let bucket = storage_support::bucket();
    let raw = Raw::new(&bucket);
    let (mut store, mut written) = open_with_written(&bucket);
    written.sort();
    assert_eq!(written, BUILTIN_NAMES);
    for (name, text) in BUILTINS {
        assert_eq!(raw.get(&format!("{name}.yaml")).unwrap(), text.as_bytes());
    }
    let list = store.list().unwrap();
    assert_eq!(names(&list), BUILTIN_NAMES);
    assert!(list.iter().all(|s| !s.is_broken() && s.warnings.is_empty()));

    // A second instance opening the same bucket writes nothing.
    let (second, written) = open_with_written(&bucket);
    assert!(written.is_empty(), "{written:?}");
    let opened = since(&second, RequestCounts::default());
    assert_eq!(opened.put, 0, "{opened:?}");
    assert_eq!(opened.list, 1, "one listing to open: {opened:?}");

    raw.delete("rock_anthem.yaml");
    let (_, written) = open_with_written(&bucket);
    assert_eq!(written, ["rock_anthem"]);
}

#[test]
fn a_deleted_builtin_stays_deleted_for_every_instance_until_restored() {
    let bucket = storage_support::bucket();
    let raw = Raw::new(&bucket);
    let mut store = open(&bucket);
    store.delete("rock_anthem").unwrap();
    store.delete("jazz_smooth").unwrap();
    assert!(
        raw.files()
            .contains(&".deleted-builtin.rock_anthem".to_string())
    );
    // Another instance starting later agrees: not written back.
    let (mut other, written) = open_with_written(&bucket);
    assert!(written.is_empty(), "{written:?}");
    let listed = other.list().unwrap();
    assert!(!names(&listed).contains(&"rock_anthem"), "{listed:?}");
    assert_eq!(listed.len(), 3, "the markers are not presets");

    // Saving a preset under a deleted built-in's name brings the name back.
    let mut own = preset("jazz_smooth", "jazz");
    own.description = Some("mine".into());
    other.save(&own, false).unwrap();
    assert!(
        !raw.files()
            .contains(&".deleted-builtin.jazz_smooth".to_string())
    );
    let report = other.restore_builtins().unwrap();
    assert_eq!(report.restored, ["rock_anthem"]);
    assert_eq!(report.kept.len(), 4, "{report:?}");
    assert_eq!(
        raw.get("rock_anthem.yaml").unwrap(),
        BUILTINS[0].1.as_bytes()
    );
    assert_eq!(store.load("jazz_smooth").unwrap().preset, own);
    assert!(
        raw.files().iter().all(|f| !f.starts_with('.')),
        "markers gone after a restore: {:?}",
        raw.files()
    );
}

#[test]
fn a_customised_or_broken_builtin_is_not_overwritten() {
    let bucket = storage_support::bucket();
    let raw = Raw::new(&bucket);
    let mut mine = preset("jazz_smooth", "bebop");
    mine.temperature = 0.1;
    raw.put("jazz_smooth.yaml", to_yaml(&mine).as_bytes());
    raw.put("pop_catchy.yaml", b"not: [valid");
    let (mut store, mut written) = open_with_written(&bucket);
    written.sort();
    assert_eq!(
        written,
        ["classical_orchestral", "electronic_dance", "rock_anthem"]
    );
    assert_eq!(store.load("jazz_smooth").unwrap().preset, mine);
    assert_eq!(raw.get("pop_catchy.yaml").unwrap(), b"not: [valid");
    assert!(find(&store.list().unwrap(), "pop_catchy").is_broken());
}

// ---------------------------------------------------------------- hostile and broken

#[test]
fn hostile_names_are_refused_before_any_request() {
    let bucket = storage_support::bucket();
    let mut store = open(&bucket);
    let before = store.storage_requests().unwrap();
    for name in [
        "",
        "..",
        "../x",
        "a/b",
        "a\\b",
        ".hidden",
        "x\u{1b}[2J",
        "na\0me",
        &"a".repeat(65),
    ] {
        let e = store.load(name).unwrap_err();
        assert!(matches!(e, StoreError::InvalidName(_)), "{name:?}: {e}");
        assert!(matches!(
            store.delete(name).unwrap_err(),
            StoreError::InvalidName(_)
        ));
        assert!(matches!(
            store.exists(name).unwrap_err(),
            StoreError::InvalidName(_)
        ));
        let mut bad = preset("ok", "rock");
        bad.name = name.to_string();
        assert!(store.save(&bad, true).is_err(), "{name:?} saved");
    }
    assert_eq!(since(&store, before), RequestCounts::default());
}

#[test]
fn broken_objects_are_listed_with_a_reason_and_the_rest_stays_usable() {
    let bucket = storage_support::bucket();
    let raw = Raw::new(&bucket);
    let mut store = open(&bucket);
    store.save(&preset("good", "funk"), false).unwrap();
    let files: [(&str, &[u8]); 6] = [
        ("corrupt", b"name: corrupt\ngenre: [unclosed\n"),
        ("empty", b""),
        ("binary", b"\xff\xfe\x00name: binary\ngenre: \xc3\x28\n"),
        (
            "invalid",
            b"name: invalid\ngenre: rock\ntemperature: 5\nstructure:\n  verse_count: 0\n",
        ),
        ("nogenre", b"name: nogenre\n"),
        ("bad name", b"name: fine\ngenre: rock\n"),
    ];
    for (name, bytes) in files {
        raw.put(&format!("{name}.yaml"), bytes);
    }
    // Larger than any preset: broken, never read whole.
    raw.put("huge.yaml", &vec![b'#'; (1 << 20) + 10]);
    // Not presets: other extensions, hidden names, deeper "folders".
    raw.put("notes.txt", b"hello");
    raw.put(".hidden.yaml", b"name: hidden\ngenre: x\n");
    raw.put("sub/deeper.yaml", b"name: deeper\ngenre: x\n");

    let list = store.list().unwrap();
    let mut want: Vec<&str> = BUILTIN_NAMES.to_vec();
    want.extend(["good", "huge"]);
    want.extend(files.iter().map(|(n, _)| *n));
    want.sort();
    assert_eq!(names(&list), want);
    let reason = |name: &str| find(&list, name).error.clone().unwrap_or_default();
    assert!(reason("empty").contains("empty"), "{}", reason("empty"));
    assert!(reason("binary").contains("UTF-8"), "{}", reason("binary"));
    assert!(reason("invalid").contains("temperature: 5.0 is outside 0.0 to 1.0"));
    assert!(reason("nogenre").contains("genre"));
    assert!(reason("huge").contains("larger than"), "{}", reason("huge"));
    assert!(reason("bad name").contains("file name"));
    assert!(!reason("corrupt").is_empty());
    assert!(!find(&list, "good").is_broken());
    assert!(store.load("huge").is_err());
    store.save(&preset("corrupt", "punk"), true).unwrap();
    store.delete("empty").unwrap();
    let list = store.list().unwrap();
    assert_eq!(find(&list, "corrupt").genre.as_deref(), Some("punk"));
    assert!(!names(&list).contains(&"empty"));
}

#[test]
fn unknown_keys_are_warnings() {
    let bucket = storage_support::bucket();
    let raw = Raw::new(&bucket);
    let mut store = open(&bucket);
    raw.put(
        "extra.yaml",
        b"name: extra\ngenre: rock\nbpm: 120\nstructure:\n  intro: false\n  key: C\n",
    );
    let s = find(&store.list().unwrap(), "extra").clone();
    assert_eq!(s.warnings.len(), 2, "{:?}", s.warnings);
    assert_eq!(store.load("extra").unwrap().warnings.len(), 2);
}

// ---------------------------------------------------------------- save, load, delete

#[test]
fn save_load_delete_and_unicode_round_trip() {
    let bucket = storage_support::bucket();
    let raw = Raw::new(&bucket);
    let mut store = open(&bucket);
    let mut p = preset("mine", "rock");
    p.description = Some("Ünïcödé — 音楽 🎸".into());
    let path = store.save(&p, false).unwrap();
    assert_eq!(
        path.to_str().unwrap(),
        format!("gs://{bucket}/{PREFIX}mine.yaml")
    );
    assert_eq!(store.load("mine").unwrap().preset, p);
    assert!(
        String::from_utf8(raw.get("mine.yaml").unwrap())
            .unwrap()
            .contains("音楽 🎸")
    );
    assert!(store.exists("mine").unwrap());
    assert!(matches!(
        store.save(&p, false).unwrap_err(),
        StoreError::Exists { .. }
    ));
    let mut changed = p.clone();
    changed.genre = "metal".into();
    store.save(&changed, true).unwrap();
    assert_eq!(store.load("mine").unwrap().preset.genre, "metal");
    store.delete("mine").unwrap();
    assert!(!store.exists("mine").unwrap());
    assert!(matches!(
        store.load("mine").unwrap_err(),
        StoreError::NotFound { .. }
    ));
    assert!(matches!(
        store.delete("mine").unwrap_err(),
        StoreError::NotFound { .. }
    ));
}

#[test]
fn a_save_refused_by_validation_sends_nothing() {
    let bucket = storage_support::bucket();
    let raw = Raw::new(&bucket);
    let mut store = open(&bucket);
    store.save(&preset("keep", "rock"), false).unwrap();
    let before_bytes = raw.get("keep.yaml").unwrap();
    let before = store.storage_requests().unwrap();
    let mut bad = preset("keep", "rock");
    bad.temperature = 7.0;
    assert!(matches!(
        store.save(&bad, true).unwrap_err(),
        StoreError::Invalid(_)
    ));
    assert_eq!(since(&store, before), RequestCounts::default());
    assert_eq!(raw.get("keep.yaml").unwrap(), before_bytes);
}

// ---------------------------------------------------------------- the metadata cache

#[test]
fn a_warm_listing_downloads_nothing_and_a_change_elsewhere_is_seen() {
    let bucket = storage_support::bucket();
    let raw = Raw::new(&bucket);
    let mut store = open(&bucket);
    let mut other = open(&bucket);
    for i in 0..20 {
        other
            .save(&preset(&format!("p{i:02}"), "rock"), false)
            .unwrap();
    }
    let before = store.storage_requests().unwrap();
    let cold = store.list().unwrap();
    assert_eq!(cold.len(), 25);
    let used = since(&store, before);
    assert_eq!((used.list, used.get), (1, 25), "cold: {used:?}");
    assert_eq!(store.files_parsed(), 25);

    let before = store.storage_requests().unwrap();
    assert_eq!(store.list().unwrap(), cold);
    let used = since(&store, before);
    assert_eq!(
        used,
        RequestCounts {
            list: 1,
            ..Default::default()
        },
        "a warm listing is one list request and no download"
    );
    assert_eq!(store.files_parsed(), 25);

    // Changes through another instance (and by hand) show up, and only
    // the changed presets are downloaded again.
    let mut changed = preset("p03", "jazz");
    changed.description = Some("changed elsewhere".into());
    other.save(&changed, true).unwrap();
    other.delete("p04").unwrap();
    other.save(&preset("new", "funk"), false).unwrap();
    raw.put(
        "p05.yaml",
        to_yaml(&preset("p05", "same bytes, new generation")).as_bytes(),
    );
    let before = store.storage_requests().unwrap();
    let list = store.list().unwrap();
    let used = since(&store, before);
    assert_eq!((used.list, used.get), (1, 3), "{used:?}");
    assert_eq!(store.files_parsed(), 28);
    assert_eq!(find(&list, "p03").genre.as_deref(), Some("jazz"));
    assert!(!names(&list).contains(&"p04"));
    assert!(names(&list).contains(&"new"));
    let sorted = {
        let mut n = names(&list);
        n.sort();
        n
    };
    assert_eq!(names(&list), sorted);
}

// ---------------------------------------------------------------- races between instances

#[test]
fn concurrent_create_saves_of_one_name_from_two_instances_exactly_one_wins() {
    let bucket = storage_support::bucket();
    let raw = Raw::new(&bucket);
    let _ = open(&bucket);
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let bucket = bucket.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut store = open(&bucket);
                let mut p = preset("contested", "rock");
                p.description = Some(format!("writer {i}"));
                barrier.wait();
                store.save(&p, false).map(|_| i)
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for r in &results {
        if let Err(e) = r {
            assert!(matches!(e, StoreError::Exists { .. }), "{e}");
            assert_eq!(
                e.to_string(),
                "preset \"contested\" already exists; not replaced"
            );
        }
    }
    let text = String::from_utf8(raw.get("contested.yaml").unwrap()).unwrap();
    assert!(text.contains(&format!("writer {}", winners[0])), "{text}");
}

#[test]
fn concurrent_replaces_never_lose_a_save_silently() {
    let bucket = storage_support::bucket();
    let raw = Raw::new(&bucket);
    open(&bucket)
        .save(&preset("shared", "rock"), false)
        .unwrap();
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let bucket = bucket.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut store = open(&bucket);
                let mut p = preset("shared", "rock");
                p.description = Some(format!("writer {i}"));
                barrier.wait();
                store.save(&p, true).map(|_| i)
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let ok: Vec<usize> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    assert!(!ok.is_empty(), "{results:?}");
    for r in &results {
        if let Err(e) = r {
            assert!(matches!(e, StoreError::Conflict { .. }), "{e}");
            assert!(e.to_string().contains("changed by another save"), "{e}");
        }
    }
    // What is stored is one of the saves reported as done.
    let text = String::from_utf8(raw.get("shared.yaml").unwrap()).unwrap();
    assert!(
        ok.iter().any(|i| text.contains(&format!("writer {i}"))),
        "{ok:?}: {text}"
    );
}

#[test]
fn a_write_against_a_stale_generation_is_refused_and_changes_nothing() {
    let bucket = storage_support::bucket();
    let raw = Raw::new(&bucket);
    let first = raw.put("x.yaml", b"one");
    raw.put("x.yaml", b"two");
    let stale = raw.blocking.run(raw.gcs.write(
        &format!("{PREFIX}x.yaml"),
        b"three",
        "application/yaml",
        Some(first),
    ));
    assert_eq!(stale.unwrap(), Written::PreconditionFailed);
    assert_eq!(raw.get("x.yaml").unwrap(), b"two");
}

// ---------------------------------------------------------------- failures

#[test]
fn a_missing_bucket_is_one_plain_line() {
    let e = PresetStore::open_gcs(
        at("no-such-bucket-here"),
        storage_support::client("no-such-bucket-here"),
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(e, StoreError::Storage(StorageError::BucketMissing { .. })),
        "{text}"
    );
    assert_eq!(
        text,
        "bucket gs://no-such-bucket-here does not exist, or these credentials cannot see it"
    );
}

#[test]
fn an_unreachable_store_is_one_plain_line() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let gcs = Gcs::with_emulator("some-bucket", &format!("http://127.0.0.1:{port}")).unwrap();
    let e = PresetStore::open_gcs(at("some-bucket"), gcs).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("cannot reach Cloud Storage at http://127.0.0.1:"),
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");
}

/// A bucket that refuses these credentials, as GCS answers (403): each
/// failure names the permission the operation needs, in one line.
#[test]
fn permission_denied_names_the_permission_missing() {
    use wiremock::matchers::{method, path, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let denied = || {
        ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "error": {"code": 403, "message": "sa@p.iam.gserviceaccount.com does not have storage.objects.x access"}
        }))
    };
    // Read-only: listing works, reading and writing do not.
    let read_only = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/storage/v1/b/locked/o"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"items": [
                    {"name": "team/presets/rock_anthem.yaml", "generation": "7", "size": "10"}
                ]})),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex("^/storage/v1/b/locked/o/.+"))
            .respond_with(denied())
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/upload/storage/v1/b/locked/o"))
            .respond_with(denied())
            .mount(&server)
            .await;
        server
    });
    let gcs = Gcs::with_emulator("locked", &read_only.uri()).unwrap();
    // The built-ins it cannot write are skipped, as on a read-only disk.
    let (mut store, written) = PresetStore::open_gcs(at("locked"), gcs).unwrap();
    assert!(written.is_empty());
    assert_eq!(
        store
            .save(&preset("mine", "rock"), false)
            .unwrap_err()
            .to_string(),
        "permission denied on gs://locked: the credentials lack storage.objects.create"
    );
    assert_eq!(
        store.load("rock_anthem").unwrap_err().to_string(),
        "permission denied on gs://locked: the credentials lack storage.objects.get"
    );
    let listed = store.list().unwrap();
    assert_eq!(
        find(&listed, "rock_anthem").error.as_deref(),
        Some("permission denied on gs://locked: the credentials lack storage.objects.get")
    );

    let no_list = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(denied())
            .mount(&server)
            .await;
        server
    });
    let gcs = Gcs::with_emulator("locked", &no_list.uri()).unwrap();
    assert_eq!(
        PresetStore::open_gcs(at("locked"), gcs)
            .unwrap_err()
            .to_string(),
        "permission denied on gs://locked: the credentials lack storage.objects.list"
    );
}

/// A store that takes the connection and then says nothing (a stalled
/// server, a paused emulator): the listing gives up after one wait, in one
/// line for the whole listing rather than one per preset.
#[test]
fn a_stalled_store_fails_the_listing_once_instead_of_hanging() {
    use wiremock::matchers::{method, path, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let items: Vec<_> = BUILTIN_NAMES
        .iter()
        .map(|n| serde_json::json!({"name": format!("{PREFIX}{n}.yaml"), "generation": "7", "size": "10"}))
        .collect();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/storage/v1/b/stalled/o"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({ "items": items })),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex("^/storage/v1/b/stalled/o/.+"))
            .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(600)))
            .mount(&server)
            .await;
        server
    });
    let gcs = Gcs::with_emulator("stalled", &server.uri()).unwrap();
    let (mut store, written) = PresetStore::open_gcs(at("stalled"), gcs).unwrap();
    assert!(written.is_empty(), "every built-in is listed already");
    let e = store.list().unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(e, StoreError::Storage(StorageError::Network { .. })),
        "{text}"
    );
    assert!(text.contains("no answer within 10 s"), "{text}");
    assert!(!text.contains('\n'), "{text}");
}

#[test]
fn an_emulator_address_that_is_not_one_is_refused_and_its_password_never_shown() {
    for bad in [
        "a b",
        "http://exa mple:1",
        "http://[::1",
        "ftp://host:1",
        "\u{1b}[31mbad",
    ] {
        let e = Gcs::with_emulator("b", bad).unwrap_err();
        assert!(
            matches!(e, StorageError::EmulatorAddress { .. }),
            "{bad:?}: {e}"
        );
        let text = e.to_string();
        assert!(text.starts_with("STORAGE_EMULATOR_HOST: "), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
    }
    let e = Gcs::with_emulator("b", "http://user:hunter2@exa mple:1").unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let gcs = Gcs::with_emulator("b", &format!("http://user:hunter2@127.0.0.1:{port}")).unwrap();
    assert_eq!(gcs.endpoint(), format!("http://127.0.0.1:{port}"));
    let text = PresetStore::open_gcs(at("b"), gcs).unwrap_err().to_string();
    assert!(
        text.starts_with(&format!(
            "cannot reach Cloud Storage at http://127.0.0.1:{port}"
        )),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

/// Through the binary: a malformed address is one line and a clean exit,
/// not a crash.
#[test]
fn the_binary_names_a_malformed_emulator_address_in_one_line() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_music-gen"))
        .args(["--presets-dir", "gs://some-bucket/p", "presets", "list"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("STORAGE_EMULATOR_HOST", "http://exa mple:1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "a panic: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("STORAGE_EMULATOR_HOST"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}
