//! The preset store in a bucket, every test on Cloud Storage
//! (fake-gcs-server) and on S3 (moto): the folder store's behaviour
//! (built-ins, deleted-builtin markers, broken presets, save/load/delete,
//! the metadata cache) and the guarantees kept with the store's
//! preconditions (create-only saves and raced replaces, between several
//! stores on one bucket).

use std::sync::{Arc, Barrier};

#[macro_use]
mod storage_support;

use music_gen::domain::model::{PresetConfig, StyleReference, TrackConfig};
use music_gen::domain::preset_yaml::to_yaml;
use music_gen::domain::presets::{BUILTINS, PresetStore, PresetSummary, StoreError};
use music_gen::storage::blocking::Blocking;
use music_gen::storage::{
    Bucket, BucketPath, Precondition, RequestCounts, StorageError, Version, Written,
};
use storage_support::Backend;

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

fn open_with_written(b: Backend, bucket: &str) -> (PresetStore, Vec<String>) {
    PresetStore::open_bucket(at(bucket), b.client(bucket)).expect("open bucket store")
}

fn open(b: Backend, bucket: &str) -> PresetStore {
    open_with_written(b, bucket).0
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

/// Raw access to the bucket, as another program (or a person with gsutil
/// or the aws CLI) would change it.
struct Raw {
    bucket: Bucket,
    blocking: Blocking,
}

impl Raw {
    fn new(b: Backend, bucket: &str) -> Raw {
        Raw {
            bucket: b.client(bucket),
            blocking: Blocking::new().unwrap(),
        }
    }

    fn put(&self, file: &str, bytes: &[u8]) -> Version {
        let object = format!("{PREFIX}{file}");
        match self
            .blocking
            .run(
                self.bucket
                    .write(&object, bytes, "application/yaml", &Precondition::None),
            )
            .unwrap()
        {
            Written::Done { version } => version,
            Written::PreconditionFailed => unreachable!("no precondition"),
        }
    }

    fn get(&self, file: &str) -> Option<Vec<u8>> {
        let object = format!("{PREFIX}{file}");
        self.blocking
            .run(self.bucket.read(&object, 1 << 24))
            .unwrap()
    }

    fn delete(&self, file: &str) {
        let object = format!("{PREFIX}{file}");
        assert!(self.blocking.run(self.bucket.delete(&object)).unwrap());
    }

    fn files(&self) -> Vec<String> {
        let mut files: Vec<String> = self
            .blocking
            .run(self.bucket.list(PREFIX))
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

fn builtins_are_written_on_open_once_and_a_removed_one_comes_back(b: Backend) {
    let bucket = b.bucket();
    let raw = Raw::new(b, &bucket);
    let (mut store, mut written) = open_with_written(b, &bucket);
    written.sort();
    assert_eq!(written, BUILTIN_NAMES);
    for (name, text) in BUILTINS {
        assert_eq!(raw.get(&format!("{name}.yaml")).unwrap(), text.as_bytes());
    }
    let list = store.list().unwrap();
    assert_eq!(names(&list), BUILTIN_NAMES);
    assert!(list.iter().all(|s| !s.is_broken() && s.warnings.is_empty()));

    // A second instance opening the same bucket writes nothing.
    let (second, written) = open_with_written(b, &bucket);
    assert!(written.is_empty(), "{written:?}");
    let opened = since(&second, RequestCounts::default());
    assert_eq!(opened.put, 0, "{opened:?}");
    assert_eq!(opened.list, 1, "one listing to open: {opened:?}");

    raw.delete("rock_anthem.yaml");
    let (_, written) = open_with_written(b, &bucket);
    assert_eq!(written, ["rock_anthem"]);
}

fn a_deleted_builtin_stays_deleted_for_every_instance_until_restored(b: Backend) {
    let bucket = b.bucket();
    let raw = Raw::new(b, &bucket);
    let mut store = open(b, &bucket);
    store.delete("rock_anthem").unwrap();
    store.delete("jazz_smooth").unwrap();
    assert!(
        raw.files()
            .contains(&".deleted-builtin.rock_anthem".to_string())
    );
    // Another instance starting later agrees: not written back.
    let (mut other, written) = open_with_written(b, &bucket);
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

fn a_customised_or_broken_builtin_is_not_overwritten(b: Backend) {
    let bucket = b.bucket();
    let raw = Raw::new(b, &bucket);
    let mut mine = preset("jazz_smooth", "bebop");
    mine.temperature = 0.1;
    raw.put("jazz_smooth.yaml", to_yaml(&mine).as_bytes());
    raw.put("pop_catchy.yaml", b"not: [valid");
    let (mut store, mut written) = open_with_written(b, &bucket);
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

fn hostile_names_are_refused_before_any_request(b: Backend) {
    let bucket = b.bucket();
    let mut store = open(b, &bucket);
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

fn broken_objects_are_listed_with_a_reason_and_the_rest_stays_usable(b: Backend) {
    let bucket = b.bucket();
    let raw = Raw::new(b, &bucket);
    let mut store = open(b, &bucket);
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

fn unknown_keys_are_warnings(b: Backend) {
    let bucket = b.bucket();
    let raw = Raw::new(b, &bucket);
    let mut store = open(b, &bucket);
    raw.put(
        "extra.yaml",
        b"name: extra\ngenre: rock\nbpm: 120\nstructure:\n  intro: false\n  key: C\n",
    );
    let s = find(&store.list().unwrap(), "extra").clone();
    assert_eq!(s.warnings.len(), 2, "{:?}", s.warnings);
    assert_eq!(store.load("extra").unwrap().warnings.len(), 2);
}

// ---------------------------------------------------------------- save, load, delete

fn save_load_delete_and_unicode_round_trip(b: Backend) {
    let bucket = b.bucket();
    let raw = Raw::new(b, &bucket);
    let mut store = open(b, &bucket);
    let mut p = preset("mine", "rock");
    p.description = Some("Ünïcödé — 音楽 🎸".into());
    let path = store.save(&p, false).unwrap();
    assert_eq!(
        path.to_str().unwrap(),
        format!("{}://{bucket}/{PREFIX}mine.yaml", b.scheme())
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

fn a_save_refused_by_validation_sends_nothing(b: Backend) {
    let bucket = b.bucket();
    let raw = Raw::new(b, &bucket);
    let mut store = open(b, &bucket);
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

fn a_warm_listing_downloads_nothing_and_a_change_elsewhere_is_seen(b: Backend) {
    let bucket = b.bucket();
    let raw = Raw::new(b, &bucket);
    let mut store = open(b, &bucket);
    let mut other = open(b, &bucket);
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

fn concurrent_create_saves_of_one_name_from_two_instances_exactly_one_wins(b: Backend) {
    let bucket = b.bucket();
    let raw = Raw::new(b, &bucket);
    let _ = open(b, &bucket);
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let bucket = bucket.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut store = open(b, &bucket);
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

fn concurrent_replaces_never_lose_a_save_silently(b: Backend) {
    let bucket = b.bucket();
    let raw = Raw::new(b, &bucket);
    open(b, &bucket)
        .save(&preset("shared", "rock"), false)
        .unwrap();
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let bucket = bucket.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut store = open(b, &bucket);
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

fn a_write_against_a_stale_generation_is_refused_and_changes_nothing(b: Backend) {
    let bucket = b.bucket();
    let raw = Raw::new(b, &bucket);
    let first = raw.put("x.yaml", b"one");
    raw.put("x.yaml", b"two");
    let object = format!("{PREFIX}x.yaml");
    let write = |bytes: &[u8], condition: Precondition| {
        raw.blocking
            .run(
                raw.bucket
                    .write(&object, bytes, "application/yaml", &condition),
            )
            .unwrap()
    };
    assert_eq!(
        write(b"three", Precondition::Matches(first)),
        Written::PreconditionFailed
    );
    assert_eq!(
        write(b"four", Precondition::Absent),
        Written::PreconditionFailed
    );
    assert_eq!(raw.get("x.yaml").unwrap(), b"two");
    // Against the version just seen, the replace goes through.
    let now = raw
        .blocking
        .run(raw.bucket.generation(&object))
        .unwrap()
        .unwrap();
    assert!(matches!(
        write(b"five", Precondition::Matches(now)),
        Written::Done { .. }
    ));
    assert_eq!(raw.get("x.yaml").unwrap(), b"five");
    // Replacing what was deleted since is refused too, not a re-creation.
    let seen = raw.put("gone.yaml", b"here");
    raw.delete("gone.yaml");
    let gone = raw.blocking.run(raw.bucket.write(
        &format!("{PREFIX}gone.yaml"),
        b"back?",
        "application/yaml",
        &Precondition::Matches(seen),
    ));
    assert_eq!(gone.unwrap(), Written::PreconditionFailed);
    assert_eq!(raw.get("gone.yaml"), None);
}

// ---------------------------------------------------------------- failures

fn a_missing_bucket_is_one_plain_line(b: Backend) {
    let e = PresetStore::open_bucket(at("no-such-bucket-here"), b.client("no-such-bucket-here"))
        .unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(e, StoreError::Storage(StorageError::BucketMissing { .. })),
        "{text}"
    );
    assert_eq!(
        text,
        format!(
            "bucket {}://no-such-bucket-here does not exist, or these credentials cannot see it",
            b.scheme()
        )
    );
}

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn an_unreachable_store_is_one_plain_line(b: Backend) {
    let port = closed_port();
    let client = b.client_at("some-bucket", &format!("http://127.0.0.1:{port}"));
    let e = PresetStore::open_bucket(at("some-bucket"), client).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with(&format!(
            "cannot reach {} at http://127.0.0.1:",
            b.service()
        )),
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");
}

/// How each store answers: a listing of `files` under PREFIX, a refusal.
mod answers {
    use super::{Backend, PREFIX};
    use wiremock::ResponseTemplate;
    use wiremock::matchers::{MethodExactMatcher, PathExactMatcher, PathRegexMatcher, method};

    pub fn listing(b: Backend, files: &[&str]) -> ResponseTemplate {
        match b {
            Backend::Gcs => {
                let items: Vec<_> = files
                    .iter()
                    .map(|f| serde_json::json!({"name": format!("{PREFIX}{f}"), "generation": "7", "size": "10"}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(serde_json::json!({ "items": items }))
            }
            Backend::S3 => {
                let items: String = files
                    .iter()
                    .map(|f| {
                        format!(
                            "<Contents><Key>{PREFIX}{f}</Key><ETag>&quot;7&quot;</ETag>\
                             <Size>10</Size></Contents>"
                        )
                    })
                    .collect();
                ResponseTemplate::new(200).set_body_string(format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult>\
                     <IsTruncated>false</IsTruncated>{items}</ListBucketResult>"
                ))
            }
        }
    }

    /// 403, as each store words it.
    pub fn denied(b: Backend) -> ResponseTemplate {
        match b {
            Backend::Gcs => ResponseTemplate::new(403).set_body_json(serde_json::json!({
                "error": {"code": 403, "message": "sa@p.iam.gserviceaccount.com does not have storage.objects.x access"}
            })),
            Backend::S3 => ResponseTemplate::new(403).set_body_string(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>\
                 <Message>User: arn:aws:iam::1:user/x is not authorized</Message></Error>",
            ),
        }
    }

    /// The listing request of `bucket`.
    pub fn list(b: Backend, bucket: &str) -> (MethodExactMatcher, PathExactMatcher) {
        let path = match b {
            Backend::Gcs => format!("/storage/v1/b/{bucket}/o"),
            Backend::S3 => format!("/{bucket}/"),
        };
        (method("GET"), wiremock::matchers::path(path))
    }

    /// Any object of `bucket`, read (`GET`) or written.
    pub fn object(b: Backend, bucket: &str, write: bool) -> (MethodExactMatcher, PathRegexMatcher) {
        let (verb, path) = match (b, write) {
            (Backend::Gcs, false) => ("GET", format!("^/storage/v1/b/{bucket}/o/.+")),
            (Backend::Gcs, true) => ("POST", format!("^/upload/storage/v1/b/{bucket}/o$")),
            (Backend::S3, false) => ("GET", format!("^/{bucket}/.+")),
            (Backend::S3, true) => ("PUT", format!("^/{bucket}/.+")),
        };
        (method(verb), wiremock::matchers::path_regex(path))
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// A bucket that refuses these credentials (403): each failure names the
/// permission the operation needs, as the store's IAM names it, in one
/// line.
fn permission_denied_names_the_permission_missing(b: Backend) {
    use wiremock::{Mock, MockServer};
    let rt = runtime();
    let (list, get, create) = match b {
        Backend::Gcs => (
            "storage.objects.list",
            "storage.objects.get",
            "storage.objects.create",
        ),
        Backend::S3 => ("s3:ListBucket", "s3:GetObject", "s3:PutObject"),
    };
    let line = |permission: &str| {
        format!(
            "permission denied on {}://locked: the credentials lack {permission}",
            b.scheme()
        )
    };
    // Read-only: listing works, reading and writing do not.
    let read_only = rt.block_on(async {
        let server = MockServer::start().await;
        let (m, p) = answers::list(b, "locked");
        Mock::given(m)
            .and(p)
            .respond_with(answers::listing(b, &["rock_anthem.yaml"]))
            .mount(&server)
            .await;
        for write in [false, true] {
            let (m, p) = answers::object(b, "locked", write);
            Mock::given(m)
                .and(p)
                .respond_with(answers::denied(b))
                .mount(&server)
                .await;
        }
        server
    });
    // The built-ins it cannot write are skipped, as on a read-only disk.
    let (mut store, written) =
        PresetStore::open_bucket(at("locked"), b.client_at("locked", &read_only.uri())).unwrap();
    assert!(written.is_empty());
    assert_eq!(
        store
            .save(&preset("mine", "rock"), false)
            .unwrap_err()
            .to_string(),
        line(create)
    );
    assert_eq!(
        store.load("rock_anthem").unwrap_err().to_string(),
        line(get)
    );
    let listed = store.list().unwrap();
    assert_eq!(
        find(&listed, "rock_anthem").error.as_deref(),
        Some(line(get).as_str())
    );

    let no_list = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::method("GET"))
            .respond_with(answers::denied(b))
            .mount(&server)
            .await;
        server
    });
    assert_eq!(
        PresetStore::open_bucket(at("locked"), b.client_at("locked", &no_list.uri()))
            .unwrap_err()
            .to_string(),
        line(list)
    );
}

/// A store that takes the connection and then says nothing (a stalled
/// server, a paused emulator): the listing gives up after one wait, in one
/// line for the whole listing rather than one per preset.
fn a_stalled_store_fails_the_listing_once_instead_of_hanging(b: Backend) {
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let rt = runtime();
    let files: Vec<String> = BUILTIN_NAMES.iter().map(|n| format!("{n}.yaml")).collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        let (m, p) = answers::list(b, "stalled");
        Mock::given(m)
            .and(p)
            .respond_with(answers::listing(b, &files))
            .mount(&server)
            .await;
        let (m, p) = answers::object(b, "stalled", false);
        Mock::given(m)
            .and(p)
            .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(600)))
            .mount(&server)
            .await;
        server
    });
    let (mut store, written) =
        PresetStore::open_bucket(at("stalled"), b.client_at("stalled", &server.uri())).unwrap();
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

fn an_emulator_address_that_is_not_one_is_refused_and_its_password_never_shown(b: Backend) {
    for bad in [
        "a b",
        "http://exa mple:1",
        "http://[::1",
        "ftp://host:1",
        "\u{1b}[31mbad",
    ] {
        let e = b.try_client_at("b", bad).unwrap_err();
        assert!(matches!(e, StorageError::Address { .. }), "{bad:?}: {e}");
        let text = e.to_string();
        assert!(
            text.starts_with(&format!("{}: ", b.endpoint_variable())),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "{text}");
    }
    let e = b
        .try_client_at("b", "http://user:hunter2@exa mple:1")
        .unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");

    let port = closed_port();
    let client = b.client_at("b", &format!("http://user:hunter2@127.0.0.1:{port}"));
    assert_eq!(client.endpoint(), format!("http://127.0.0.1:{port}"));
    let text = PresetStore::open_bucket(at("b"), client)
        .unwrap_err()
        .to_string();
    assert!(
        text.starts_with(&format!(
            "cannot reach {} at http://127.0.0.1:{port}",
            b.service()
        )),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

/// Through the binary: a malformed address is one line and a clean exit,
/// not a crash.
fn the_binary_names_a_malformed_emulator_address_in_one_line(b: Backend) {
    let home = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_music-gen"));
    command
        .args([
            "--presets-dir",
            &format!("{}://some-bucket/p", b.scheme()),
            "presets",
            "list",
        ])
        .env_clear()
        .envs(b.env())
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env(b.endpoint_variable(), "http://exa mple:1");
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "a panic: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(b.endpoint_variable()), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

/// S3's own refusals: a key it does not accept, a bucket in another
/// region. One line each, never the secret or a signature; the requests
/// are signed, with the session token of temporary credentials.
#[test]
fn s3_refusals_of_the_key_and_the_region_are_one_line_without_secrets() {
    use music_gen::storage::s3::{Credentials, S3};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let rt = runtime();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/refused/"))
            .respond_with(ResponseTemplate::new(403).set_body_string(
                "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we \
                 calculated does not match</Message><StringToSign>AWS4-HMAC-SHA256\n\
                 20260101T000000Z</StringToSign><SignatureProvided>f00d</SignatureProvided></Error>",
            ))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/elsewhere/"))
            .respond_with(
                ResponseTemplate::new(301)
                    .insert_header("x-amz-bucket-region", "eu-west-3")
                    .insert_header("location", "http://127.0.0.1:9/elsewhere/")
                    .set_body_string("<Error><Code>PermanentRedirect</Code></Error>"),
            )
            .mount(&server)
            .await;
        server
    });
    let secret = "TopSecretKeyMaterial/abc";
    let client = |bucket: &str| {
        Bucket::S3(
            S3::with_endpoint(
                bucket,
                &server.uri(),
                "us-east-1",
                Credentials::new("AKIDTEMP", secret, Some("session-token-1")),
            )
            .unwrap(),
        )
    };
    let e = PresetStore::open_bucket(at("refused"), client("refused"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "S3 credentials: the store refused these credentials (SignatureDoesNotMatch); check \
         AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"
    );
    let e = PresetStore::open_bucket(at("elsewhere"), client("elsewhere"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "S3 answered HTTP 301 to s3:ListBucket on s3://elsewhere: the bucket is in region \
         eu-west-3: set AWS_REGION=eu-west-3"
    );
    let sent = rt.block_on(server.received_requests()).unwrap();
    assert_eq!(sent.len(), 2, "a redirect is reported, not followed");
    for request in sent {
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let auth = header("authorization");
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEMP/")
                && auth.contains("/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature="),
            "{auth}"
        );
        assert!(!auth.contains(secret), "{auth}");
        assert_eq!(header("x-amz-security-token"), "session-token-1");
    }
}

/// Through the binary: s3:// without a key is one line naming the
/// variables to set.
#[test]
fn s3_without_credentials_is_one_line_naming_the_variables() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_music-gen"))
        .args(["--presets-dir", "s3://some-bucket/p", "presets", "list"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("AWS_ENDPOINT_URL", storage_support::moto())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "a panic: {stderr}");
    assert_eq!(
        stderr.trim_end(),
        "music-gen: presets: S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
         (and AWS_SESSION_TOKEN for temporary credentials)"
    );
}

// Each test above, on each store.
on_every_store!(
    builtins_are_written_on_open_once_and_a_removed_one_comes_back,
    a_deleted_builtin_stays_deleted_for_every_instance_until_restored,
    a_customised_or_broken_builtin_is_not_overwritten,
    hostile_names_are_refused_before_any_request,
    broken_objects_are_listed_with_a_reason_and_the_rest_stays_usable,
    unknown_keys_are_warnings,
    save_load_delete_and_unicode_round_trip,
    a_save_refused_by_validation_sends_nothing,
    a_warm_listing_downloads_nothing_and_a_change_elsewhere_is_seen,
    concurrent_create_saves_of_one_name_from_two_instances_exactly_one_wins,
    concurrent_replaces_never_lose_a_save_silently,
    a_write_against_a_stale_generation_is_refused_and_changes_nothing,
    a_missing_bucket_is_one_plain_line,
    an_unreachable_store_is_one_plain_line,
    permission_denied_names_the_permission_missing,
    a_stalled_store_fails_the_listing_once_instead_of_hanging,
    an_emulator_address_that_is_not_one_is_refused_and_its_password_never_shown,
    the_binary_names_a_malformed_emulator_address_in_one_line,
);
