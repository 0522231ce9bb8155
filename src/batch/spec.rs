//! A batch file: a list of jobs (or `defaults:` and `jobs:`), each expanded
//! by its `vary:` (the product of the listed values, by dotted path) and
//! `repeat:` into variants, each still a JSON object of track fields and
//! settings for the layering to read.

use serde_json::{Map, Value};

use crate::domain::input::{self, Format};

/// The largest batch file read.
pub const MAX_BYTES: u64 = 16 << 20;
/// The most takes one batch may plan; a `vary:` product past this is a
/// mistake, not a plan.
pub const MAX_TAKES: usize = 10_000;
pub const MAX_REPEAT: u64 = 1_000;

/// Keys of a job that are not track fields.
pub const NAME: &str = "name";
pub const VARY: &str = "vary";
pub const REPEAT: &str = "repeat";

/// Where a problem is: the job (index from 1 and name) and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{message}", job_label(*.job, .name.as_deref()), .field.as_ref().map(|f| format!("{f}: ")).unwrap_or_default())]
pub struct SpecError {
    /// 1-based; 0 for the file as a whole.
    pub job: usize,
    pub name: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

fn job_label(job: usize, name: Option<&str>) -> String {
    match (job, name) {
        (0, _) => String::new(),
        (n, Some(name)) => format!("job {n} ({name}): "),
        (n, None) => format!("job {n}: "),
    }
}

impl SpecError {
    pub fn file(message: impl Into<String>) -> SpecError {
        SpecError {
            job: 0,
            name: None,
            field: None,
            message: message.into(),
        }
    }
}

/// One job as written, `defaults:` merged under it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    /// 1-based, as errors and reports show it.
    pub index: usize,
    pub name: Option<String>,
    /// The file's `defaults:` (but name, vary and repeat): a layer under
    /// the job's preset, config file and fields.
    pub defaults: Map<String, Value>,
    /// Track fields and settings: everything but name, vary and repeat.
    pub fields: Map<String, Value>,
    /// Dotted path and the values it takes, in file order.
    pub vary: Vec<(String, Vec<Value>)>,
    pub repeat: u64,
}

impl JobSpec {
    pub fn error(&self, field: Option<&str>, message: impl Into<String>) -> SpecError {
        SpecError {
            job: self.index,
            name: self.name.clone(),
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    /// How many variants this job makes.
    pub fn count(&self) -> usize {
        let product = self
            .vary
            .iter()
            .fold(1usize, |n, (_, values)| n.saturating_mul(values.len()));
        product.saturating_mul(usize::try_from(self.repeat).unwrap_or(usize::MAX))
    }

    /// Every variant: the fields with one combination of the varied values
    /// set, for each repeat.
    pub fn variants(&self) -> Result<Vec<Variant>, SpecError> {
        let mut out = Vec::with_capacity(self.count());
        let mut combo = vec![0usize; self.vary.len()];
        loop {
            let mut fields = self.fields.clone();
            let mut chosen = Vec::with_capacity(self.vary.len());
            for ((path, values), &i) in self.vary.iter().zip(&combo) {
                set_path(&mut fields, path, values[i].clone())
                    .map_err(|m| self.error(Some(&format!("vary.{path}")), m))?;
                chosen.push((path.clone(), values[i].clone()));
            }
            for r in 1..=self.repeat {
                out.push(Variant {
                    job: self.index,
                    job_name: self.name.clone(),
                    defaults: self.defaults.clone(),
                    fields: fields.clone(),
                    vary: chosen.clone(),
                    repeat: (self.repeat > 1).then_some(r),
                });
            }
            // The next combination, last path fastest, as a product reads.
            let mut k = self.vary.len();
            loop {
                if k == 0 {
                    return Ok(out);
                }
                k -= 1;
                combo[k] += 1;
                if combo[k] < self.vary[k].1.len() {
                    break;
                }
                combo[k] = 0;
            }
        }
    }
}

/// One take before its track is resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub job: usize,
    pub job_name: Option<String>,
    pub defaults: Map<String, Value>,
    pub fields: Map<String, Value>,
    /// What `vary:` chose for this one.
    pub vary: Vec<(String, Value)>,
    /// 1-based, when the job repeats.
    pub repeat: Option<u64>,
}

impl Variant {
    /// `sunrise seed=2 temperature=0.9 #3`: the job and what sets this take
    /// apart, for progress lines and the summary.
    pub fn label(&self) -> String {
        let mut s = match &self.job_name {
            Some(n) => n.clone(),
            None => format!("job {}", self.job),
        };
        for (path, value) in &self.vary {
            let shown = match value {
                Value::String(t) => t.clone(),
                v => v.to_string(),
            };
            let shown: String = shown.chars().take(24).collect();
            s.push_str(&format!(" {path}={shown}"));
        }
        if let Some(r) = self.repeat {
            s.push_str(&format!(" #{r}"));
        }
        s
    }
}

/// Sets `a.b.c` inside an object, creating objects on the way.
fn set_path(root: &mut Map<String, Value>, path: &str, value: Value) -> Result<(), String> {
    let mut parts = path.split('.').peekable();
    let mut node = root;
    while let Some(part) = parts.next() {
        if part.is_empty() {
            return Err("an empty part in the path".to_string());
        }
        if parts.peek().is_none() {
            node.insert(part.to_string(), value);
            return Ok(());
        }
        let next = node
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        node = match next {
            Value::Object(m) => m,
            _ => return Err(format!("{part} is not a group of fields")),
        };
    }
    Ok(())
}

/// Reads the file's text (YAML or JSON) into jobs, every job checked for
/// the shape of `name`, `vary` and `repeat`; track fields are checked when
/// the takes are resolved.
pub fn parse(text: &str, format: Format) -> Result<Vec<JobSpec>, SpecError> {
    input::check_depth(text).map_err(SpecError::file)?;
    let top: Value = match format {
        Format::Json => serde_json::from_str(text)
            .map_err(|e| SpecError::file(input::excerpted(&e.to_string()))),
        Format::Yaml => yaml_serde::from_str(text)
            .map_err(|e| SpecError::file(input::excerpted(&e.to_string()))),
    }?;
    let (defaults, jobs) = match top {
        Value::Array(jobs) => (Map::new(), jobs),
        Value::Object(mut top) => {
            let jobs = match top.remove("jobs") {
                Some(Value::Array(jobs)) => jobs,
                Some(_) => return Err(SpecError::file("jobs: must be a list of jobs")),
                None => {
                    return Err(SpecError::file(
                        "expected a list of jobs, or `jobs:` (and optional `defaults:`) at the top",
                    ));
                }
            };
            let defaults = match top.remove("defaults") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(d)) => d,
                Some(_) => return Err(SpecError::file("defaults: must be a mapping of fields")),
            };
            if let Some(key) = top.keys().next() {
                return Err(SpecError::file(format!(
                    "{}: unknown key at the top; use `jobs:` and `defaults:`",
                    input::excerpted(&format!("`{key}`"))
                )));
            }
            (defaults, jobs)
        }
        _ => {
            return Err(SpecError::file(
                "expected a list of jobs, or `jobs:` (and optional `defaults:`) at the top",
            ));
        }
    };
    if jobs.is_empty() {
        return Err(SpecError::file("no jobs: the file lists none"));
    }
    let mut specs = Vec::with_capacity(jobs.len());
    let mut total = 0usize;
    for (i, job) in jobs.into_iter().enumerate() {
        let spec = job_spec(i + 1, &defaults, job)?;
        total = total.saturating_add(spec.count());
        if total > MAX_TAKES {
            return Err(spec.error(
                None,
                format!("the batch would make more than {MAX_TAKES} takes; split it"),
            ));
        }
        specs.push(spec);
    }
    Ok(specs)
}

fn job_spec(index: usize, defaults: &Map<String, Value>, job: Value) -> Result<JobSpec, SpecError> {
    let bare = |message: &str| SpecError {
        job: index,
        name: None,
        field: None,
        message: message.to_string(),
    };
    let Value::Object(job) = job else {
        return Err(bare("must be a mapping of fields"));
    };
    let mut fields = job;
    let mut defaults = defaults.clone();
    // `repeat:` and `vary:` may be given for every job; the job's own win.
    for key in [REPEAT, VARY] {
        if let Some(v) = defaults.remove(key) {
            fields.entry(key.to_string()).or_insert(v);
        }
    }
    defaults.remove(NAME);
    let name = match fields.remove(NAME) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if valid_name(&s) => Some(s),
        Some(_) => {
            return Err(SpecError {
                field: Some(NAME.to_string()),
                ..bare("must be 1 to 64 letters, digits, spaces, '_', '-' or '.'")
            });
        }
    };
    let mut spec = JobSpec {
        index,
        name,
        defaults,
        fields,
        vary: Vec::new(),
        repeat: 1,
    };
    match spec.fields.remove(REPEAT) {
        None | Some(Value::Null) => {}
        Some(v) => match v.as_u64() {
            Some(n @ 1..=MAX_REPEAT) => spec.repeat = n,
            _ => {
                return Err(spec.error(
                    Some(REPEAT),
                    format!("must be a whole number from 1 to {MAX_REPEAT}"),
                ));
            }
        },
    }
    match spec.fields.remove(VARY) {
        None | Some(Value::Null) => {}
        Some(Value::Object(vary)) => {
            for (path, values) in vary {
                let field = format!("vary.{path}");
                if [NAME, VARY, REPEAT].contains(&path.as_str()) {
                    return Err(spec.error(Some(&field), "cannot be varied"));
                }
                match values {
                    Value::Array(v) if !v.is_empty() => spec.vary.push((path, v)),
                    _ => {
                        return Err(spec.error(
                            Some(&field),
                            "must be a non-empty list of values, e.g. [1, 2, 3]",
                        ));
                    }
                }
            }
        }
        Some(_) => {
            return Err(spec.error(
                Some(VARY),
                "must map fields to lists of values, e.g. {seed: [1, 2]}",
            ));
        }
    }
    if spec.repeat > 1
        && (spec.fields.contains_key("seed")
            || spec.defaults.contains_key("seed")
            || spec.vary_has("seed"))
    {
        return Err(spec.error(
            Some(REPEAT),
            "with a seed every repeat is the same take; vary the seed instead (vary: {seed: [1, 2, 3]})",
        ));
    }
    Ok(spec)
}

impl JobSpec {
    fn vary_has(&self, path: &str) -> bool {
        self.vary.iter().any(|(p, _)| p == path)
    }
}

fn valid_name(s: &str) -> bool {
    !s.trim().is_empty()
        && s.chars().count() <= 64
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.'))
}

/// Reads a batch file, or stdin for `-`, up to [`MAX_BYTES`].
pub fn read(path: &std::path::Path) -> Result<String, SpecError> {
    use std::io::Read;
    let shown = path.display();
    let bytes = if path == std::path::Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| SpecError::file(format!("stdin: {e}")))?;
        bytes
    } else {
        let meta = std::fs::metadata(path).map_err(|e| SpecError::file(format!("{shown}: {e}")))?;
        if !meta.is_file() {
            return Err(SpecError::file(format!("{shown}: not a regular file")));
        }
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| SpecError::file(format!("{shown}: {e}")))?;
        bytes
    };
    if bytes.len() as u64 > MAX_BYTES {
        return Err(SpecError::file(format!(
            "{shown}: larger than {} MiB",
            MAX_BYTES >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        SpecError::file(format!(
            "{shown}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn yaml(text: &str) -> Result<Vec<JobSpec>, SpecError> {
        parse(text, Format::Yaml)
    }

    #[test]
    fn vary_expands_to_the_product_by_dotted_path() {
        let jobs = yaml(
            "- name: sunrise\n  genre: ambient\n  vary:\n    seed: [1, 2, 3, 4]\n    temperature: [0.5, 0.9]\n\
             - genre: rock\n  text_input: hi\n  vary: {structure.verse_count: [1, 2]}\n",
        )
        .unwrap();
        let a = jobs[0].variants().unwrap();
        assert_eq!(a.len(), 8);
        assert_eq!(a[0].fields["seed"], json!(1));
        assert_eq!(a[1].fields["temperature"], json!(0.9));
        assert_eq!(a[7].fields["seed"], json!(4));
        assert_eq!(a[1].label(), "sunrise seed=1 temperature=0.9");
        let b = jobs[1].variants().unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[1].fields["structure"], json!({"verse_count": 2}));
        assert_eq!(b[1].label(), "job 2 structure.verse_count=2");
    }

    #[test]
    fn defaults_merge_under_each_job_and_repeat_numbers_takes() {
        let jobs = yaml(
            "defaults: {genre: jazz, structure: {intro: true}}\njobs:\n  - {text_input: a, repeat: 3, structure: {bridge: true}}\n",
        )
        .unwrap();
        let v = jobs[0].variants().unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[2].repeat, Some(3));
        assert_eq!(v[0].defaults["genre"], json!("jazz"));
        assert_eq!(v[0].fields["structure"], json!({"bridge": true}));
    }

    #[test]
    fn errors_name_the_job_and_field() {
        let e = yaml("- {name: x, repeat: 0}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "job 1 (x): repeat: must be a whole number from 1 to 1000"
        );
        let e = yaml("- {genre: a}\n- {vary: {seed: []}}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "job 2: vary.seed: must be a non-empty list of values, e.g. [1, 2, 3]"
        );
        let e = yaml("- {seed: 3, repeat: 2}").unwrap_err();
        assert!(
            e.to_string().starts_with("job 1: repeat: with a seed"),
            "{e}"
        );
        assert!(yaml("[]").unwrap_err().to_string().contains("no jobs"));
        assert!(yaml("jobz: []").unwrap_err().to_string().contains("jobs"));
        assert!(
            yaml("- 3")
                .unwrap_err()
                .to_string()
                .contains("job 1: must be a mapping")
        );
        let e = yaml("- {vary: {genre.x: [1]}, genre: rock}").unwrap()[0]
            .variants()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "job 1: vary.genre.x: genre is not a group of fields"
        );
    }

    #[test]
    fn huge_products_are_refused_before_expanding() {
        let e = yaml("- vary: {seed: [1,2,3,4,5,6,7,8,9,10], temperature: [0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9], structure.verse_count: [1,2,3,4,5], duration_seconds: [60,70,80,90,100,110,120,130,140,150,160,170,180,190,200,210,220,230,240,100,100]}")
            .unwrap_err();
        assert!(e.to_string().contains("more than 10000 takes"), "{e}");
    }
}
