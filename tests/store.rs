//! The preset store: built-ins, hostile names, broken files, atomic saves,
//! the metadata cache and changes made by another process.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

mod preset_support;
mod tools;

use music_gen::domain::model::{PresetConfig, SongStructure, StyleReference};
use music_gen::domain::preset_yaml::to_yaml;
use music_gen::domain::presets::{BUILTINS, PresetStore, StoreError};
use preset_support::{BUILTIN_NAMES, find, names, preset};

fn open(dir: &Path) -> PresetStore {
    PresetStore::open(dir).expect("open store").0
}

/// Every entry under `root`: relative path → (is_dir, contents, mtime).
type Snapshot = BTreeMap<PathBuf, (bool, Vec<u8>, Option<std::time::SystemTime>)>;

fn snapshot(root: &Path) -> Snapshot {
    fn walk(root: &Path, dir: &Path, out: &mut Snapshot) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if meta.is_dir() {
                out.insert(rel, (true, Vec::new(), meta.modified().ok()));
                walk(root, &path, out);
            } else {
                out.insert(rel, (false, fs::read(&path).unwrap(), meta.modified().ok()));
            }
        }
    }
    let mut out = Snapshot::new();
    walk(root, root, &mut out);
    out
}

fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".music-gen-") || n.ends_with(".tmp"))
        .collect()
}

// ---------------------------------------------------------------- built-ins

#[test]
fn builtins_are_written_into_a_new_folder_and_listed_as_shipped_once_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested/presets");
    let (mut store, written) = PresetStore::open(&dir).unwrap();
    let mut written_sorted = written.clone();
    written_sorted.sort();
    assert_eq!(written_sorted, BUILTIN_NAMES);
    for (name, text) in BUILTINS {
        assert_eq!(
            fs::read_to_string(dir.join(format!("{name}.yaml"))).unwrap(),
            text
        );
    }
    let list = store.list().unwrap();
    assert_eq!(names(&list), BUILTIN_NAMES);
    assert!(list.iter().all(|s| !s.is_broken() && s.warnings.is_empty()));

    // Opening again writes nothing and touches nothing.
    let before = snapshot(&dir);
    let (_, written) = PresetStore::open(&dir).unwrap();
    assert!(written.is_empty(), "{written:?}");
    assert_eq!(snapshot(&dir), before);

    // A built-in file removed by hand is not written back by opening the
    // folder (it was there: music-gen writes to it only when asked), yet
    // it is still listed and loaded, as shipped.
    fs::remove_file(dir.join("rock_anthem.yaml")).unwrap();
    let (mut store, written) = PresetStore::open(&dir).unwrap();
    assert!(written.is_empty(), "{written:?}");
    assert!(!dir.join("rock_anthem.yaml").exists());
    assert_eq!(names(&store.list().unwrap()), BUILTIN_NAMES);
    assert_eq!(store.load("rock_anthem").unwrap().preset.genre, "rock");
    assert!(store.exists("rock_anthem").unwrap());
    // It is there to create-only saves too; a replace writes its file.
    let mut mine = preset("rock_anthem", "stoner rock");
    assert!(matches!(
        store.save(&mine, false),
        Err(StoreError::Exists { .. })
    ));
    mine.temperature = 0.2;
    store.save(&mine, true).unwrap();
    assert_eq!(store.load("rock_anthem").unwrap().preset, mine);
}

/// A folder that was there before (any folder: `--presets-dir /etc`) is
/// not written to by opening or reading it; deleting a built-in only
/// listed as shipped leaves the marker that keeps it deleted.
#[test]
fn a_folder_that_was_there_is_written_to_only_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("hosts"), "127.0.0.1 localhost\n").unwrap();
    let before = snapshot(dir);
    let (mut store, written) = PresetStore::open(dir).unwrap();
    assert!(written.is_empty(), "{written:?}");
    let list = store.list().unwrap();
    assert_eq!(names(&list), BUILTIN_NAMES);
    assert!(list.iter().all(|s| !s.is_broken() && s.genre.is_some()));
    for name in BUILTIN_NAMES {
        store.load(name).unwrap();
    }
    assert_eq!(snapshot(dir), before, "reading wrote nothing");

    store.delete("pop_catchy").unwrap();
    assert!(!names(&store.list().unwrap()).contains(&"pop_catchy"));
    assert!(matches!(
        store.load("pop_catchy"),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete("pop_catchy"),
        Err(StoreError::NotFound { .. })
    ));
    assert!(dir.join(".deleted-builtin.pop_catchy").is_file());
    let report = store.restore_builtins().unwrap();
    assert_eq!(report.restored.len(), 5, "{report:?}");
    assert_eq!(
        fs::read_to_string(dir.join("pop_catchy.yaml")).unwrap(),
        BUILTINS[4].1
    );
}

/// Deleting a built-in through music-gen is remembered in the folder, so
/// every later start (of any process sharing it) keeps it deleted, until
/// it is saved again or the built-ins are restored.
#[test]
fn a_deleted_builtin_stays_deleted_until_restored() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("presets");
    let (mut store, _) = PresetStore::open(&dir).unwrap();
    store.delete("rock_anthem").unwrap();
    store.delete("jazz_smooth").unwrap();
    let (mut again, written) = PresetStore::open(&dir).unwrap();
    assert!(written.is_empty(), "{written:?}");
    let listed = again.list().unwrap();
    assert!(!names(&listed).contains(&"rock_anthem"), "{listed:?}");
    assert_eq!(listed.len(), 3, "the marker files are not presets");

    // Saving a preset under a deleted built-in's name brings that name back.
    let mut own = preset("jazz_smooth", "jazz");
    own.description = Some("mine".into());
    again.save(&own, false).unwrap();
    let (_, written) = PresetStore::open(&dir).unwrap();
    assert!(written.is_empty(), "{written:?}");
    // Restoring writes back what is missing and leaves present files alone.
    let report = again.restore_builtins().unwrap();
    assert_eq!(report.restored, ["rock_anthem"]);
    assert_eq!(report.kept.len(), 4, "{report:?}");
    assert_eq!(
        fs::read_to_string(dir.join("rock_anthem.yaml")).unwrap(),
        BUILTINS[0].1
    );
    assert!(
        fs::read_to_string(dir.join("jazz_smooth.yaml"))
            .unwrap()
            .contains("mine")
    );
    store.delete("rock_anthem").unwrap();
    assert!(again.restore_builtins().unwrap().restored == ["rock_anthem"]);
    let hidden: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        hidden.is_empty(),
        "markers gone after a restore: {hidden:?}"
    );
}

#[test]
fn a_customised_or_broken_builtin_is_not_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut mine = preset("jazz_smooth", "bebop");
    mine.temperature = 0.1;
    fs::write(dir.join("jazz_smooth.yaml"), to_yaml(&mine)).unwrap();
    fs::write(dir.join("pop_catchy.yaml"), "not: [valid").unwrap();
    // Many unrelated entries: the scan finds what exists among them.
    for i in 0..200 {
        fs::write(dir.join(format!("other{i}.txt")), "x").unwrap();
    }
    let (mut store, written) = PresetStore::open(dir).unwrap();
    assert!(written.is_empty(), "a folder that was there: {written:?}");
    store.restore_builtins().unwrap();
    assert_eq!(store.load("jazz_smooth").unwrap().preset, mine);
    assert_eq!(
        fs::read_to_string(dir.join("pop_catchy.yaml")).unwrap(),
        "not: [valid"
    );
    assert!(find(&store.list().unwrap(), "pop_catchy").is_broken());
}

#[test]
fn builtins_have_the_python_tools_values() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let s = |intro, verse_count, chorus_count, bridge, outro| SongStructure {
        intro,
        verse_count,
        chorus_count,
        bridge,
        outro,
    };
    let expected = [
        (
            "rock_anthem",
            "High-energy rock anthem with powerful vocals",
            "rock",
            s(true, 2, 3, true, true),
            (
                "arena rock",
                "distorted electric guitars with powerful drums",
            ),
            0.8,
            "Use energetic and empowering lyrics. Great for anthems and motivational songs.",
        ),
        (
            "jazz_smooth",
            "Smooth jazz with relaxed tempo",
            "jazz",
            s(true, 2, 2, true, true),
            ("smooth jazz", "saxophone and piano with brushed drums"),
            0.6,
            "Focus on sophisticated, laid-back lyrics. Perfect for evening moods.",
        ),
        (
            "electronic_dance",
            "Upbeat electronic dance music",
            "electronic",
            s(true, 2, 3, true, true),
            ("EDM", "synthesizers with heavy bass and electronic beats"),
            0.9,
            "Keep lyrics simple and repetitive. Build energy through structure.",
        ),
        (
            "classical_orchestral",
            "Classical orchestral composition",
            "classical",
            s(true, 3, 2, true, true),
            (
                "romantic era classical",
                "full orchestra with strings and brass",
            ),
            0.5,
            "Use poetic and dramatic text. Focus on emotional depth and dynamics.",
        ),
        (
            "pop_catchy",
            "Catchy pop song with radio-friendly structure",
            "pop",
            s(true, 2, 3, true, false),
            ("contemporary pop", "bright synths with acoustic elements"),
            0.7,
            "Focus on memorable hooks and relatable themes. Keep it upbeat and accessible.",
        ),
    ];
    for (name, description, genre, structure, (style, sound), temperature, tips) in expected {
        let loaded = store.load(name).unwrap();
        assert!(loaded.warnings.is_empty());
        let want = PresetConfig {
            name: name.into(),
            description: Some(description.into()),
            genre: genre.into(),
            structure,
            style_references: vec![
                StyleReference {
                    kind: "style".into(),
                    value: style.into(),
                },
                StyleReference {
                    kind: "sound".into(),
                    value: sound.into(),
                },
            ],
            temperature,
            tips: Some(tips.into()),
            negative_prompt: None,
            seed: None,
            sample_count: None,
            model: None,
        };
        assert_eq!(loaded.preset, want);
        // Our writer produces the built-in files byte for byte, keys in the
        // Python tool's order.
        let text = BUILTINS.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(to_yaml(&want).trim_end(), text.trim_end(), "{name}");
    }
}

// ---------------------------------------------------------------- hostile names

#[test]
fn hostile_names_are_refused_before_any_file_is_touched() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let dir = root.join("presets");
    let mut store = open(&dir);
    fs::write(root.join("x.yaml"), "sentinel").unwrap();
    assert!(!Path::new("/etc/x.yaml").exists());
    let before = snapshot(tmp.path());

    let long = "a".repeat(65);
    let hostile = [
        "../x", "/etc/x", "a/b", "", &long, "..", ".", "../../x", "a\\b", "x\0y", "a b", ".hidden",
        "名前",
    ];
    for name in hostile {
        let is_name_error = |e: &StoreError| match e {
            StoreError::InvalidName(f) => f.field == "name",
            StoreError::Invalid(v) => v.for_field("name").is_some(),
            _ => false,
        };
        let e = store.path_for(name).unwrap_err();
        assert!(is_name_error(&e), "path_for({name:?}): {e}");
        assert!(e.is_invalid_input());
        let e = store.load(name).unwrap_err();
        assert!(is_name_error(&e), "load({name:?}): {e}");
        let e = store.delete(name).unwrap_err();
        assert!(is_name_error(&e), "delete({name:?}): {e}");
        assert!(store.exists(name).is_err(), "exists({name:?})");
        for overwrite in [false, true] {
            let e = store.save(&preset(name, "rock"), overwrite).unwrap_err();
            assert!(is_name_error(&e), "save({name:?}): {e}");
        }
    }
    assert_eq!(snapshot(tmp.path()), before, "the tree changed");
    assert_eq!(fs::read_to_string(root.join("x.yaml")).unwrap(), "sentinel");
    assert!(!Path::new("/etc/x.yaml").exists());
    assert_eq!(store.list().unwrap().len(), 5);

    // A fine name next to them works.
    store.save(&preset("ok_name-1", "rock"), false).unwrap();
    assert!(dir.join("ok_name-1.yaml").is_file());
}

// ---------------------------------------------------------------- broken files

#[test]
fn broken_files_are_listed_with_a_reason_and_the_rest_stays_usable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut store = open(dir);
    store.save(&preset("good", "funk"), false).unwrap();
    let files: [(&str, &[u8]); 10] = [
        ("corrupt", b"name: corrupt\ngenre: [unclosed\n"),
        ("empty", b""),
        ("blank", b"  \n\n\t\n"),
        ("binary", b"\xff\xfe\x00name: binary\ngenre: \xc3\x28\n"),
        (
            "invalid",
            b"name: invalid\ngenre: rock\ntemperature: 5\nstructure:\n  verse_count: 0\n",
        ),
        ("list", b"- a\n- b\n"),
        ("scalar", b"hello"),
        ("nogenre", b"name: nogenre\n"),
        (
            "badtype",
            b"name: badtype\ngenre: rock\ntemperature: warm\n",
        ),
        ("bad name", b"name: fine\ngenre: rock\n"),
    ];
    for (name, bytes) in files {
        fs::write(dir.join(format!("{name}.yaml")), bytes).unwrap();
    }
    // Entries that are not presets are not listed at all.
    fs::write(dir.join("notes.txt"), "hello").unwrap();
    fs::write(dir.join(".hidden.yaml"), "name: hidden\ngenre: x\n").unwrap();
    fs::write(dir.join(".music-gen-left.tmp"), "half").unwrap();
    fs::create_dir(dir.join("folder.yaml")).unwrap();

    let list = store.list().unwrap();
    let mut want: Vec<&str> = BUILTIN_NAMES.to_vec();
    want.push("good");
    want.extend(files.iter().map(|(n, _)| *n));
    want.sort();
    assert_eq!(names(&list), want);

    let reason = |name: &str| {
        let s = find(&list, name);
        assert!(s.genre.is_none(), "{name} has a genre");
        let e = s
            .error
            .clone()
            .unwrap_or_else(|| panic!("{name} not broken"));
        assert!(!e.trim().is_empty());
        e
    };
    assert!(reason("empty").contains("empty"), "{}", reason("empty"));
    assert!(reason("blank").contains("empty"));
    assert!(reason("binary").contains("UTF-8"), "{}", reason("binary"));
    let invalid = reason("invalid");
    assert!(
        invalid.contains("temperature: 5.0 is outside 0.0 to 1.0"),
        "{invalid}"
    );
    assert!(
        invalid.contains("structure.verse_count: 0 is below the minimum 1"),
        "{invalid}"
    );
    assert!(reason("nogenre").contains("genre"));
    assert!(
        reason("badtype").contains("temperature"),
        "{}",
        reason("badtype")
    );
    reason("corrupt");
    reason("list");
    reason("scalar");
    assert!(reason("bad name").contains("file name"));

    // The good ones are whole, and loading a broken one is an error, not a panic.
    for name in BUILTIN_NAMES.iter().chain(&["good"]) {
        let s = find(&list, name);
        assert!(!s.is_broken(), "{name}: {:?}", s.error);
        assert!(s.genre.is_some() && s.description.is_some());
        store.load(name).unwrap();
    }
    assert_eq!(find(&list, "good").genre.as_deref(), Some("funk"));
    for (name, _) in &files[..9] {
        let e = store.load(name).unwrap_err();
        assert!(e.is_invalid_input(), "{name}: {e}");
        assert!(!e.to_string().contains('\n') || *name == "corrupt" || *name == "badtype");
    }
    // Saving and deleting still work, and a broken file can be replaced.
    store.save(&preset("corrupt", "punk"), true).unwrap();
    store.delete("empty").unwrap();
    let list = store.list().unwrap();
    assert_eq!(find(&list, "corrupt").genre.as_deref(), Some("punk"));
    assert!(!names(&list).contains(&"empty"));
}

#[test]
fn unknown_keys_in_a_file_are_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = open(tmp.path());
    fs::write(
        tmp.path().join("extra.yaml"),
        "name: extra\ngenre: rock\nbpm: 120\nstructure:\n  intro: false\n  key: C\n",
    )
    .unwrap();
    let list = store.list().unwrap();
    let s = find(&list, "extra");
    assert!(!s.is_broken());
    assert_eq!(s.warnings.len(), 2, "{:?}", s.warnings);
    let loaded = store.load("extra").unwrap();
    assert!(!loaded.preset.structure.intro);
    assert_eq!(loaded.warnings.len(), 2);
    assert!(loaded.warnings.iter().any(|w| w.contains("bpm")));
}

// ---------------------------------------------------------------- save, load, delete

#[test]
fn save_load_delete() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = open(tmp.path());
    let p = preset("mine", "rock");
    let path = store.save(&p, false).unwrap();
    assert_eq!(path, tmp.path().join("mine.yaml"));
    assert_eq!(store.load("mine").unwrap().preset, p);
    assert!(store.exists("mine").unwrap());

    // Without overwrite an existing preset is left alone.
    let before = fs::read(&path).unwrap();
    let e = store.save(&preset("mine", "jazz"), false).unwrap_err();
    assert!(matches!(e, StoreError::Exists { .. }), "{e}");
    assert_eq!(fs::read(&path).unwrap(), before);
    // With overwrite it is replaced.
    store.save(&preset("mine", "jazz"), true).unwrap();
    assert_eq!(store.load("mine").unwrap().preset.genre, "jazz");

    store.delete("mine").unwrap();
    assert!(!path.exists());
    assert!(!store.exists("mine").unwrap());
    assert!(matches!(
        store.load("mine"),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete("mine"),
        Err(StoreError::NotFound { .. })
    ));
    let e = store.load("mine").unwrap_err();
    assert!(!e.is_invalid_input());
    assert!(temp_files(tmp.path()).is_empty());
}

#[test]
fn unicode_round_trips_and_is_written_as_is() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = open(tmp.path());
    let mut p = preset("unicode", "J-Pop 🎤 日本");
    p.description = Some("Ünïcödé — «quotes» 'single' \"double\" \\ back".into());
    p.tips = Some("line one\nline two\r\n\ttabbed\u{85}NEL\u{2028}LS\u{feff}BOM\u{1}\u{7f}".into());
    p.style_references = vec![
        StyleReference {
            kind: "artist".into(),
            value: "Björk 🇮🇸".into(),
        },
        StyleReference {
            kind: "mood".into(),
            value: "עברית and العربية and e\u{301}".into(),
        },
        StyleReference {
            kind: "sound".into(),
            value: "  padded: yes # not a comment  ".into(),
        },
    ];
    store.save(&p, false).unwrap();
    assert_eq!(store.load("unicode").unwrap().preset, p);
    let raw = fs::read_to_string(tmp.path().join("unicode.yaml")).unwrap();
    for s in ["🎤", "日本", "Björk", "🇮🇸", "العربية"] {
        assert!(raw.contains(s), "{s} not written as is:\n{raw}");
    }
    let list = store.list().unwrap();
    assert_eq!(
        find(&list, "unicode").genre.as_deref(),
        Some("J-Pop 🎤 日本")
    );
}

// ---------------------------------------------------------------- atomic writes

#[test]
fn a_save_refused_by_validation_leaves_the_file_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("presets");
    let mut store = open(&dir);
    let path = dir.join("rock_anthem.yaml");
    let before = fs::read(&path).unwrap();
    let mut bad = preset("rock_anthem", "rock");
    bad.temperature = 7.0;
    let e = store.save(&bad, true).unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e}");
    assert_eq!(fs::read(&path).unwrap(), before);
    assert!(temp_files(tmp.path()).is_empty());
}

#[test]
fn a_save_that_cannot_rename_leaves_nothing_behind() {
    // Root ignores permissions, so make the rename itself fail: the target
    // path is a non-empty directory.
    let tmp = tempfile::tempdir().unwrap();
    let mut store = open(tmp.path());
    let target = tmp.path().join("blocked.yaml");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("keep"), "kept").unwrap();
    let before = snapshot(tmp.path());
    let e = store.save(&preset("blocked", "rock"), true).unwrap_err();
    assert!(matches!(e, StoreError::Io { .. }), "{e}");
    assert!(!e.is_invalid_input());
    assert_eq!(snapshot(tmp.path()), before);
    assert!(
        temp_files(tmp.path()).is_empty(),
        "{:?}",
        temp_files(tmp.path())
    );
    // The store keeps working.
    store.save(&preset("fine", "rock"), false).unwrap();
    assert!(!find(&store.list().unwrap(), "fine").is_broken());
}

const CHILD_ENV: &str = "MUSIC_GEN_TEST_FULL_DISK_DIR";

/// The child half of `a_save_on_a_full_disk_leaves_the_old_file_intact`,
/// under a file-size limit, where any write past a few hundred bytes fails
/// the way a full disk does (EFBIG instead of ENOSPC), even for root.
fn full_disk_child(dir: &Path) {
    let mut store = open(dir);
    let mut big = preset("victim", "rock");
    big.description = Some("long ".repeat(2_000));
    let e = store.save(&big, true).unwrap_err();
    assert!(matches!(e, StoreError::Io { .. }), "{e}");
    println!("CHILD-SAVE-FAILED: {e}");
}

/// Runs this test binary again as `test`, under `sh -c limit`, with
/// `env_var` set to `dir` so the test runs its child half. The child is
/// the same test, so it never shows up as a test of its own.
fn run_child(limit: &str, test: &str, env_var: &str, dir: &Path) -> std::process::Output {
    tools::require(
        "a shell that sets a file-size limit",
        "sh",
        &["-c", "ulimit -f 1"],
    );
    let exe = std::env::current_exe().unwrap();
    // An ignored SIGXFSZ survives exec, so a write past the limit fails
    // with EFBIG rather than killing the process.
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; {limit} && exec \"$0\" {test} --exact --nocapture --test-threads=1"
        ))
        .arg(&exe)
        .env(env_var, dir)
        .output()
        .unwrap()
}

#[test]
#[cfg_attr(not(has_ulimit), ignore = "sh cannot set a file-size limit")]
fn a_save_on_a_full_disk_leaves_the_old_file_intact() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        return full_disk_child(Path::new(&dir));
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut store = open(dir);
    store.save(&preset("victim", "rock"), false).unwrap();
    let before = snapshot(dir);
    assert!(fs::metadata(dir.join("victim.yaml")).unwrap().len() < 500);

    let out = run_child(
        "ulimit -f 1",
        "a_save_on_a_full_disk_leaves_the_old_file_intact",
        CHILD_ENV,
        dir,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("CHILD-SAVE-FAILED"),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(snapshot(dir), before, "the old file or the folder changed");
    assert!(temp_files(dir).is_empty());
    assert_eq!(
        store.load("victim").unwrap().preset,
        preset("victim", "rock")
    );
}

const READ_ONLY_CHILD_ENV: &str = "MUSIC_GEN_TEST_NO_WRITE_DIR";

/// The child half of `built_ins_that_cannot_be_written_do_not_stop_the_store`,
/// where no file can grow past 0 bytes.
fn no_write_child(dir: &Path) {
    let (mut store, written) = PresetStore::open(dir).unwrap();
    assert!(written.is_empty(), "{written:?}");
    let names: Vec<String> = store.list().unwrap().into_iter().map(|p| p.name).collect();
    println!("CHILD-LISTED: {}", names.join(","));
}

#[test]
#[cfg_attr(not(has_ulimit), ignore = "sh cannot set a file-size limit")]
fn built_ins_that_cannot_be_written_do_not_stop_the_store() {
    if let Some(dir) = std::env::var_os(READ_ONLY_CHILD_ENV) {
        return no_write_child(Path::new(&dir));
    }
    // A folder the store creates, so it tries to write the built-ins.
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("presets");
    let out = run_child(
        "ulimit -f 0",
        "built_ins_that_cannot_be_written_do_not_stop_the_store",
        READ_ONLY_CHILD_ENV,
        dir,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let listed = format!("CHILD-LISTED: {}\n", BUILTIN_NAMES.join(","));
    assert!(
        out.status.success() && stdout.contains(&listed),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(temp_files(dir).is_empty());
    assert_eq!(
        fs::read_dir(dir).unwrap().count(),
        0,
        "{:?}",
        temp_files(dir)
    );
}

// ---------------------------------------------------------------- the cache

#[test]
fn a_second_listing_parses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = open(&tmp.path().join("presets"));
    assert_eq!(store.files_parsed(), 0);
    let first = store.list().unwrap();
    assert_eq!(store.files_parsed(), 5);
    let second = store.list().unwrap();
    assert_eq!(store.files_parsed(), 5, "unchanged files were read again");
    assert_eq!(first, second);
}

#[test]
fn save_and_delete_show_up_in_the_next_listing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = open(tmp.path());
    store.list().unwrap();
    let parsed = store.files_parsed();

    store.save(&preset("new_one", "ska"), false).unwrap();
    let list = store.list().unwrap();
    assert_eq!(find(&list, "new_one").genre.as_deref(), Some("ska"));
    assert_eq!(store.files_parsed(), parsed + 1);

    let mut changed = preset("new_one", "reggae");
    changed.description = Some("changed".into());
    store.save(&changed, true).unwrap();
    let list = store.list().unwrap();
    let s = find(&list, "new_one");
    assert_eq!(s.genre.as_deref(), Some("reggae"));
    assert_eq!(s.description.as_deref(), Some("changed"));
    assert_eq!(store.files_parsed(), parsed + 2);

    store.delete("new_one").unwrap();
    let list = store.list().unwrap();
    assert!(!names(&list).contains(&"new_one"));
    assert_eq!(store.files_parsed(), parsed + 2);
    store.list().unwrap();
    assert_eq!(store.files_parsed(), parsed + 2);
}

#[test]
fn a_change_by_another_process_is_seen_and_only_it_is_reparsed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut mine = open(dir);
    for i in 0..20 {
        mine.save(&preset(&format!("p{i:02}"), "rock"), false)
            .unwrap();
    }
    mine.list().unwrap();
    let base = mine.files_parsed();

    // Another music-gen process: a second store on the same folder.
    let (mut other, written) = PresetStore::open(dir).unwrap();
    assert!(written.is_empty());
    other.save(&preset("p07", "polka"), true).unwrap();
    let list = mine.list().unwrap();
    assert_eq!(find(&list, "p07").genre.as_deref(), Some("polka"));
    assert_eq!(
        mine.files_parsed(),
        base + 1,
        "only the changed file is re-read"
    );

    other.save(&preset("brand_new", "folk"), false).unwrap();
    other.delete("p03").unwrap();
    let list = mine.list().unwrap();
    assert_eq!(find(&list, "brand_new").genre.as_deref(), Some("folk"));
    assert!(!names(&list).contains(&"p03"));
    assert_eq!(mine.files_parsed(), base + 2);

    // Same length, replaced by rename (what an atomic writer does): seen.
    let path = dir.join("p08.yaml");
    let text = fs::read_to_string(&path).unwrap();
    let swapped = text.replace("genre: rock", "genre: jazz");
    assert_eq!(swapped.len(), text.len());
    let tmp_path = dir.join("p08.swap");
    fs::write(&tmp_path, &swapped).unwrap();
    fs::rename(&tmp_path, &path).unwrap();
    let list = mine.list().unwrap();
    assert_eq!(find(&list, "p08").genre.as_deref(), Some("jazz"));
    assert_eq!(mine.files_parsed(), base + 3);

    // Rewritten in place with a different length (an editor): seen.
    fs::write(dir.join("p09.yaml"), "name: p09\ngenre: blues rock\n").unwrap();
    // Broken by hand: seen as broken.
    fs::write(dir.join("p10.yaml"), "genre: [").unwrap();
    // Removed by hand.
    fs::remove_file(dir.join("p11.yaml")).unwrap();
    let list = mine.list().unwrap();
    assert_eq!(find(&list, "p09").genre.as_deref(), Some("blues rock"));
    assert!(find(&list, "p10").is_broken());
    assert!(!names(&list).contains(&"p11"));
    assert_eq!(mine.files_parsed(), base + 5);

    // Fixed again.
    other.save(&preset("p10", "soul"), true).unwrap();
    let list = mine.list().unwrap();
    assert!(!find(&list, "p10").is_broken());
    assert_eq!(mine.files_parsed(), base + 6);

    // And nothing more once things are quiet.
    mine.list().unwrap();
    assert_eq!(mine.files_parsed(), base + 6);
    // The other store sees everything the same way.
    let theirs = other.list().unwrap();
    assert_eq!(theirs, mine.list().unwrap());
}

#[test]
fn listing_is_sorted_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = open(tmp.path());
    for name in ["zeta", "Alpha", "mid_1", "mid-2", "0first"] {
        store.save(&preset(name, "rock"), false).unwrap();
    }
    let list = store.list().unwrap();
    let got = names(&list);
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(got, sorted);
    assert_eq!(got.len(), 10);
}

/// Not a test of behaviour: lists 10,000 presets once, so the peak memory of a
/// listing can be measured with `/usr/bin/time -v` (see docs/benchmarks.md).
/// Uses `MUSIC_GEN_MEMORY_DIR` if set (filled on first use).
#[test]
#[ignore]
fn list_10000_presets_for_memory_measurement() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("MUSIC_GEN_MEMORY_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    open(&dir);
    if fs::read_dir(&dir).unwrap().count() < 10_005 {
        for i in 0..10_000 {
            let p = preset(&format!("preset_{i:05}"), "rock");
            fs::write(dir.join(format!("preset_{i:05}.yaml")), to_yaml(&p)).unwrap();
        }
        if std::env::var_os("MUSIC_GEN_MEMORY_DIR").is_some() {
            println!("filled; run again to measure");
            return;
        }
    }
    let mut fresh = open(&dir);
    let list = fresh.list().unwrap();
    assert_eq!(list.len(), 10_005);
    println!("listed {} presets", list.len());
}

#[test]
fn a_symlinked_preset_is_listed_when_it_stays_inside_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("presets");
    let mut store = open(&dir);
    fs::write(dir.join("real.yaml"), to_yaml(&preset("real", "dub"))).unwrap();
    std::os::unix::fs::symlink("real.yaml", dir.join("linked.yaml")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("missing.yaml"), dir.join("dangling.yaml")).unwrap();
    assert_eq!(store.load("linked").unwrap().preset.genre, "dub");
    let list = store.list().unwrap();
    assert_eq!(find(&list, "linked").genre.as_deref(), Some("dub"));
    // A link to nothing is listed as broken, saying so, not left out.
    assert_eq!(
        find(&list, "dangling").error.as_deref(),
        Some("a link to a file that is not there")
    );
    // A change to the target is seen through the link.
    fs::write(dir.join("real.yaml"), to_yaml(&preset("real", "dubstep"))).unwrap();
    let list = store.list().unwrap();
    assert_eq!(find(&list, "linked").genre.as_deref(), Some("dubstep"));
}

/// A loop of links was left out of listings, and `show` said "os error 40".
#[test]
fn a_loop_of_links_is_listed_as_broken_and_loading_it_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("presets");
    let mut store = open(&dir);
    std::os::unix::fs::symlink("self.yaml", dir.join("self.yaml")).unwrap();
    std::os::unix::fs::symlink("b.yaml", dir.join("a.yaml")).unwrap();
    std::os::unix::fs::symlink("a.yaml", dir.join("b.yaml")).unwrap();
    let list = store.list().unwrap();
    for name in ["self", "a", "b"] {
        assert_eq!(
            find(&list, name).error.as_deref(),
            Some("a link that leads back to itself (a loop of links)"),
            "{name}"
        );
        let e = store.load(name).unwrap_err().to_string();
        assert!(
            e.ends_with(&format!(
                "{name}.yaml: a link that leads back to itself (a loop of links)"
            )),
            "{e}"
        );
    }
    // Mended, it is read at the next listing.
    fs::remove_file(dir.join("self.yaml")).unwrap();
    fs::write(dir.join("target.yaml"), to_yaml(&preset("target", "dub"))).unwrap();
    std::os::unix::fs::symlink("target.yaml", dir.join("self.yaml")).unwrap();
    let list = store.list().unwrap();
    assert_eq!(find(&list, "self").genre.as_deref(), Some("dub"));
}

/// `presets/passwd.yaml -> /etc/passwd` must not show /etc/passwd anywhere.
#[test]
fn a_link_out_of_the_folder_is_broken_and_never_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("presets");
    let mut store = open(&dir);
    let secret = tmp.path().join("secret.yaml");
    fs::write(&secret, "name: secret\ngenre: root:x:0:0:hunter2\n").unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("passwd.yaml")).unwrap();
    let list = store.list().unwrap();
    let s = find(&list, "passwd");
    assert!(s.genre.is_none());
    assert!(
        s.error
            .as_deref()
            .unwrap()
            .contains("outside the presets folder")
    );
    let e = store.load("passwd").unwrap_err().to_string();
    assert!(e.contains("outside") && !e.contains("hunter2"), "{e}");
}

/// A FIFO named like a preset would block a reader forever.
#[test]
fn a_fifo_is_listed_as_broken_without_blocking() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("presets");
    let mut store = open(&dir);
    let c = std::ffi::CString::new(dir.join("x.yaml").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let list = store.list().unwrap();
    assert!(
        find(&list, "x")
            .error
            .as_deref()
            .unwrap()
            .contains("not a regular file")
    );
    assert!(
        store
            .load("x")
            .unwrap_err()
            .to_string()
            .contains("not a regular file")
    );
}

/// 100,000 `[` took 42 s to parse; it is refused before parsing now.
#[test]
fn huge_and_deeply_nested_presets_are_broken_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("presets");
    let mut store = open(&dir);
    fs::write(
        dir.join("deep.yaml"),
        format!("name: deep\ngenre: {}", "[".repeat(100_000)),
    )
    .unwrap();
    fs::write(
        dir.join("huge.yaml"),
        format!(
            "name: huge\ngenre: rock\ndescription: {}\n",
            "x".repeat(2 << 20)
        ),
    )
    .unwrap();
    let list = store.list().unwrap();
    assert!(
        find(&list, "deep")
            .error
            .as_deref()
            .unwrap()
            .contains("nested more than 64")
    );
    assert!(
        find(&list, "huge")
            .error
            .as_deref()
            .unwrap()
            .contains("larger than 1024 KiB")
    );
}

#[test]
fn opening_the_store_removes_stale_temporary_files_of_ours_only() {
    // What `kill -9` during a save leaves: a hidden temporary file.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("presets");
    fs::create_dir(&dir).unwrap();
    let stale = dir.join(".music-gen-Q1w2E3.tmp");
    let recent = dir.join(".music-gen-R4t5Y6.tmp");
    let theirs = dir.join(".notes.tmp");
    for p in [&stale, &recent, &theirs] {
        fs::write(p, b"x").unwrap();
    }
    let hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for p in [&stale, &theirs] {
        fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(hours_ago)
            .unwrap();
    }
    open(&dir);
    assert!(!stale.exists());
    assert!(recent.exists() && theirs.exists());
}

#[test]
fn two_stores_saving_one_new_name_never_both_succeed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("presets");
    open(&dir);
    let outcomes: Vec<_> = (0..8)
        .map(|i| {
            let dir = dir.clone();
            std::thread::spawn(move || open(&dir).save(&preset("race", &format!("g{i}")), false))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    let saved = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(saved, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .filter_map(|o| o.as_ref().err())
            .all(|e| matches!(e, StoreError::Exists { .. }))
    );
}

/// Loads are served from a cache of parsed presets (the server loads one
/// per generation); a file changed in any way since is read again, never
/// answered stale.
#[test]
fn a_loaded_preset_is_never_stale_after_a_change_by_any_means() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let genre = |s: &PresetStore| s.load("mine").unwrap().preset.genre;
    store.save(&preset("mine", "rock"), true).unwrap();
    assert_eq!(genre(&store), "rock");
    assert_eq!(genre(&store), "rock", "a second load, from the cache");
    // A save through another store (a rename: new inode).
    open(dir.path())
        .save(&preset("mine", "jazz"), true)
        .unwrap();
    assert_eq!(genre(&store), "jazz");
    // An edit in place of the same length (same inode, new mtime).
    let path = dir.path().join("mine.yaml");
    let text = fs::read_to_string(&path).unwrap().replace("jazz", "funk");
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let later =
        fs::metadata(&path).unwrap().modified().unwrap() + std::time::Duration::from_secs(1);
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(later)
        .unwrap();
    assert_eq!(genre(&store), "funk");
    // Gone, and a link in its place is checked as any link is.
    fs::remove_file(&path).unwrap();
    assert!(matches!(
        store.load("mine").unwrap_err(),
        StoreError::NotFound { .. }
    ));
    std::os::unix::fs::symlink("/etc/hostname", &path).unwrap();
    assert!(store.load("mine").is_err(), "a link out of the folder");
}
