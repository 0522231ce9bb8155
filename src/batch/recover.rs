//! Takes that were written but never recorded as done: a kill that came
//! after a take's files were in place and before the journal heard of it.
//! Such a take is not uncertain at all: its metadata names its track, so
//! it is found in the output folder and counted as done, not sent again.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::batch::journal::{self, Earlier, Record, RecordedFile};
use crate::batch::{Take, is_report_name, request_hash};
use crate::generate::GenerationResult;

/// Turns each uncertain take that has a written, intact take in `dir`
/// (one not already claimed by a done record) into a done one. Blocking.
pub fn recover(dir: &Path, takes: &mut [Take], records: &HashMap<String, Record>) {
    if !takes
        .iter()
        .any(|t| matches!(t.earlier, Earlier::Uncertain { .. }))
    {
        return;
    }
    let claimed: HashSet<&Path> = records
        .values()
        .filter_map(|r| match r {
            Record::Done { metadata, .. } => metadata.as_deref(),
            _ => None,
        })
        .collect();
    let mut found: HashMap<String, Vec<Record>> = HashMap::new();
    for (path, result) in written(dir) {
        if claimed.contains(path.as_path()) {
            continue;
        }
        let (Some(track), Some(settings)) = (&result.track, &result.settings) else {
            continue;
        };
        let hash = request_hash(settings.mode, settings.model, track);
        found.entry(hash).or_default().push(Record::Done {
            key: String::new(),
            files: result
                .files
                .iter()
                .map(|f| RecordedFile {
                    path: f.path.clone(),
                    sha256: f.sha256.clone(),
                })
                .collect(),
            metadata: Some(path),
        });
    }
    for t in takes
        .iter_mut()
        .filter(|t| matches!(t.earlier, Earlier::Uncertain { .. }))
    {
        let hash = t.key.split('-').next().unwrap_or_default();
        let Some(candidates) = found.get_mut(hash) else {
            continue;
        };
        while let Some(record) = candidates.pop() {
            if let e @ Earlier::Done { .. } = journal::judge(Some(&record)) {
                t.earlier = e;
                break;
            }
        }
    }
}

/// Every take's metadata in `dir` that reads as a result.
fn written(dir: &Path) -> Vec<(PathBuf, GenerationResult)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        if stem.starts_with('.') || is_report_name(stem) {
            continue;
        }
        let path = entry.path();
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if let Ok(result) = serde_json::from_slice::<GenerationResult>(&bytes) {
            out.push((path, result));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cost;
    use crate::domain::model::TrackConfig;
    use crate::generate::output::{NewAudio, save};
    use crate::generate::{GenerationSettings, Job, Mode, OutputTarget, Status};

    fn take(key: &str, track: &TrackConfig, earlier: Earlier) -> Take {
        Take {
            key: key.to_string(),
            label: key.to_string(),
            job: 1,
            job_name: None,
            track: track.clone(),
            preset: None,
            model: crate::domain::model::Model::Lyria2,
            cost_usd: 0.06,
            earlier,
        }
    }

    #[test]
    fn a_take_written_before_the_kill_is_found_not_sent_again() {
        let dir = tempfile::tempdir().unwrap();
        let track = TrackConfig::new("written, never recorded", "rock");
        let mut settings = GenerationSettings::default();
        settings.key.mode = Mode::Gcp;
        let job = Job {
            track: track.clone(),
            settings,
            preset: None,
        };
        let mut result = GenerationResult::for_job(
            &job,
            Status::Completed,
            String::new(),
            cost::vertex(job.model(), 1),
        );
        let audio = NewAudio {
            bytes: b"RIFFsound".to_vec(),
            mime_type: "audio/wav".into(),
            ext: "wav",
        };
        let target = OutputTarget::Dir(dir.path().to_path_buf());
        save(&target, None, &[audio], &mut result, &|| false).unwrap();

        let hash = request_hash(Mode::Gcp, job.model(), &track);
        let other = TrackConfig::new("another", "rock");
        let uncertain = || Earlier::Uncertain { error: None };
        let mut takes = vec![
            take(&format!("{hash}-1"), &track, uncertain()),
            take(&format!("{hash}-2"), &track, uncertain()),
            take("0123456789abcdef-1", &other, uncertain()),
        ];
        recover(dir.path(), &mut takes, &HashMap::new());
        assert!(matches!(takes[0].earlier, Earlier::Done { .. }));
        // One written take answers for one key only.
        assert_eq!(takes[1].earlier, uncertain());
        assert_eq!(takes[2].earlier, uncertain());

        // Claimed by a done record, it answers for no other take.
        let records = HashMap::from([(
            "x".to_string(),
            Record::Done {
                key: "x".into(),
                files: Vec::new(),
                metadata: result.metadata_path.clone(),
            },
        )]);
        let mut takes = vec![take(&format!("{hash}-1"), &track, uncertain())];
        recover(dir.path(), &mut takes, &records);
        assert_eq!(takes[0].earlier, uncertain());
    }
}
