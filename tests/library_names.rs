//! The take names a library keeps between runs (`.music-gen-index/names`):
//! used only while the folder is as it was when they were read, so a take
//! added or deleted by hand or by another process is always seen; a
//! damaged file is rebuilt, never an error; processes reading and writing
//! at once never leave a file that lies.
//!
//! A folder counts as settled (its names may be kept) once its last change
//! is two seconds old; the tests set its modification time back instead of
//! waiting.

use std::path::Path;
use std::time::{Duration, SystemTime};

use music_gen::domain::cost;
use music_gen::domain::model::{Model, TrackConfig};
use music_gen::generate::{GenerationResult, GenerationSettings, Job, Status};
use music_gen::library::{Library, NAMES_DIR, NAMES_FILE, Query, TakeState};

/// Writes a simulated take's metadata as `NAME.json`, by hand (as another
/// process or a user copying files would).
fn add_take(dir: &Path, name: &str) {
    let job = Job::new(
        TrackConfig::new(format!("lyrics of {name}"), "jazz"),
        GenerationSettings::default(),
    );
    let result = GenerationResult::for_job(
        &job,
        Status::Simulated,
        String::new(),
        cost::vertex(Model::Lyria2, 1),
    );
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_vec(&result).unwrap(),
    )
    .unwrap();
}

/// Gives the folder a modification time long enough ago for its names to
/// be kept (each call a different one, as real changes would).
fn settle(dir: &Path) {
    let ago = SystemTime::now() - Duration::from_secs(10);
    std::fs::File::open(dir).unwrap().set_modified(ago).unwrap();
}

fn names_file(dir: &Path) -> std::path::PathBuf {
    dir.join(NAMES_DIR).join(NAMES_FILE)
}

fn ids(dir: &Path) -> Vec<String> {
    let lib = Library::open(dir).unwrap();
    lib.ids().map(|id| id.as_str().to_string()).collect()
}

/// Opens the library until its names are kept (the first settled open
/// makes the hidden folder, which changes the library's; the next keeps
/// them).
fn keep_names(dir: &Path) {
    for _ in 0..2 {
        settle(dir);
        Library::open(dir).unwrap();
    }
    assert!(names_file(dir).is_file());
}

#[test]
fn kept_names_are_used_while_the_folder_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    add_take(d, "20250101-090000-jazz");
    add_take(d, "20250102-090000-rock");
    // A folder that changed a moment ago (here: its time ahead of the
    // clock) is read each time; nothing is kept.
    let ahead = SystemTime::now() + Duration::from_secs(3600);
    std::fs::File::open(d).unwrap().set_modified(ahead).unwrap();
    assert_eq!(ids(d), ["20250102-090000-rock", "20250101-090000-jazz"]);
    assert!(!d.join(NAMES_DIR).exists());
    keep_names(d);
    assert_eq!(ids(d), ["20250102-090000-rock", "20250101-090000-jazz"]);

    // What is kept is what is listed: rewritten in place (the library's
    // folder unchanged), it is believed...
    let kept = std::fs::read_to_string(names_file(d)).unwrap();
    std::fs::write(
        names_file(d),
        kept.replace("20250101-090000-jazz", "20250101-090000-ghost"),
    )
    .unwrap();
    let mut lib = Library::open(d).unwrap();
    let page = lib.list(&Query::default());
    assert_eq!(page.takes[1].id.as_str(), "20250101-090000-ghost");
    // ...but a take listed that is not there is never shown as whole.
    assert!(
        matches!(page.takes[1].state, TakeState::Unreadable { .. }),
        "{:?}",
        page.takes[1].state
    );
}

#[test]
fn a_take_added_or_deleted_by_hand_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    add_take(d, "20250101-090000-jazz");
    keep_names(d);
    let mut open = Library::open(d).unwrap();

    add_take(d, "20250103-090000-folk");
    assert_eq!(ids(d), ["20250103-090000-folk", "20250101-090000-jazz"]);
    open.rescan().unwrap();
    assert_eq!(open.len(), 2);

    // Kept again, then a take deleted by hand.
    keep_names(d);
    std::fs::remove_file(d.join("20250101-090000-jazz.json")).unwrap();
    assert_eq!(ids(d), ["20250103-090000-folk"]);
    open.rescan().unwrap();
    assert_eq!(open.len(), 1);

    // Added, then the folder's modification time put back as it was (as
    // `touch -d` or a copy tool could): the change time still tells.
    keep_names(d);
    let before = std::fs::metadata(d).unwrap().modified().unwrap();
    // Past the file system's timestamp granularity, as a person's hand is.
    std::thread::sleep(Duration::from_millis(20));
    add_take(d, "20250104-090000-rock");
    std::fs::File::open(d)
        .unwrap()
        .set_modified(before)
        .unwrap();
    assert_eq!(std::fs::metadata(d).unwrap().modified().unwrap(), before);
    assert_eq!(ids(d), ["20250104-090000-rock", "20250103-090000-folk"]);
    open.rescan().unwrap();
    assert_eq!(open.len(), 2);
}

#[test]
fn a_damaged_names_file_is_rebuilt_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    add_take(d, "20250101-090000-jazz");
    add_take(d, "20250102-090000-rock");
    keep_names(d);
    let good = std::fs::read(names_file(d)).unwrap();
    let expected = ["20250102-090000-rock", "20250101-090000-jazz"];
    let damaged: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\xff\xfe not text".to_vec(),
        good[..good.len() / 2].to_vec(),
        good[..good.len() - 1].to_vec(),
        String::from_utf8(good.clone())
            .unwrap()
            .replace("20250101-090000-jazz", "../../../etc/passwd")
            .into_bytes(),
        vec![b'x'; 1 << 20],
    ];
    for bytes in damaged {
        std::fs::write(names_file(d), &bytes).unwrap();
        assert_eq!(ids(d), expected);
        // Rebuilt by that open: the folder was settled all along.
        let rebuilt = std::fs::read(names_file(d)).unwrap();
        assert_eq!(rebuilt, good);
    }

    // Not a file we can use at all: the library still lists.
    std::fs::remove_file(names_file(d)).unwrap();
    std::fs::create_dir(names_file(d)).unwrap();
    assert_eq!(ids(d), expected);
    std::fs::remove_dir(names_file(d)).unwrap();
    std::fs::remove_dir(d.join(NAMES_DIR)).unwrap();
    std::fs::write(d.join(NAMES_DIR), b"a file").unwrap();
    settle(d);
    assert_eq!(ids(d), expected);
    assert_eq!(
        std::fs::read(d.join(NAMES_DIR)).unwrap(),
        b"a file",
        "left alone"
    );
}

/// Readers keeping names while a writer adds takes: every listing is of
/// files that exist, and once the writer stops, every process lists
/// exactly the folder, from a names file or not.
#[test]
fn readers_and_writers_at_once_never_leave_a_lying_names_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    add_take(&d, "20250101-000000-jazz");
    keep_names(&d);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (d, stop) = (d.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut opens = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let lib = Library::open(&d).unwrap();
                    assert!(!lib.is_empty());
                    opens += 1;
                }
                opens
            })
        })
        .collect();
    for i in 1..60 {
        add_take(&d, &format!("20250101-{:06}-jazz", i));
        if i % 3 == 0 {
            std::fs::remove_file(d.join(format!("20250101-{:06}-jazz.json", i - 1))).unwrap();
        }
        settle(&d);
        std::thread::sleep(Duration::from_millis(2));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        assert!(r.join().unwrap() > 0);
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    on_disk.sort();
    on_disk.reverse();
    // Twice: the first may keep the names, the second reads them.
    for _ in 0..2 {
        assert_eq!(ids(&d), on_disk);
    }
    assert!(names_file(&d).is_file());
}
