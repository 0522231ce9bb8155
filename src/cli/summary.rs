//! The readable summary `generate` prints without `--json`.

use std::fmt::Write;

use crate::domain::cost;
use crate::domain::prompt::structure_parts;
use crate::domain::pyfloat;
use crate::generate::{GenerationResult, Job, Mode};

pub fn render(job: &Job, r: &GenerationResult) -> String {
    let t = &job.track;
    let mut out = String::new();
    let _ = writeln!(out, "Status:       {} ({} mode)", r.status, r.mode);
    // The model it ran on, or in simulate mode would have.
    let _ = writeln!(out, "Model:        {}", r.model.unwrap_or(job.model()));
    // What the model leaves out of the track, said where the result is
    // read (simulate mode too: it is what gcp mode would do).
    if let Some(note) = job.model().unmet(t) {
        let _ = writeln!(out, "Note:         {note}");
    }
    let _ = writeln!(out, "Configuration:");
    let _ = writeln!(out, "  genre:       {}", t.genre);
    let _ = writeln!(
        out,
        "  duration:    {} s ({} minutes {} seconds)",
        t.duration_seconds,
        t.duration_seconds / 60,
        t.duration_seconds % 60
    );
    let _ = writeln!(
        out,
        "  structure:   {}",
        structure_parts(&t.structure).join(" -> ")
    );
    for s in &t.style_references {
        let _ = writeln!(out, "  {:12} {}", format!("{}:", s.kind), s.value);
    }
    let _ = writeln!(out, "  temperature: {}", pyfloat::repr(t.temperature));
    // The request options, so a re-run shows the seed it reused.
    if let Some(seed) = t.seed {
        let _ = writeln!(out, "  seed:        {seed}");
    }
    if let Some(n) = &t.negative_prompt {
        let _ = writeln!(out, "  negative:    {n}");
    }
    if let Some(n) = t.sample_count {
        let _ = writeln!(out, "  samples:     {n}");
    }
    let c = &r.cost_estimate;
    if r.mode == Mode::Simulate {
        // What the TUI's prompt pane and `history show` say: nothing spent,
        // and what gcp mode would cost (the file keeps the Python tool's
        // simulated figure, which is another).
        let gcp = cost::vertex(job.model(), job.track.sample_count.unwrap_or(1));
        let _ = writeln!(
            out,
            "Cost estimate: none (simulated; gcp mode ~{}) — {}",
            gcp.total_display(),
            gcp.note
        );
    } else {
        let _ = writeln!(out, "Cost estimate: {} — {}", c.total_display(), c.note);
    }
    let _ = writeln!(out, "Prompt:");
    indented(&mut out, &r.prompt);
    let _ = writeln!(out, "Message:      {}", r.message);
    if let Some(text) = &r.text {
        let _ = writeln!(out, "Returned text:");
        indented(&mut out, text);
    }
    for f in &r.files {
        let _ = writeln!(
            out,
            "Audio:        {} ({}, {} bytes)",
            f.path.display(),
            f.mime_type,
            f.size_bytes
        );
        // The real length, which Lyria 2 does not take from the request.
        if let Some(a) = &f.audio {
            let _ = writeln!(out, "  measured:   {}", a.describe());
        }
    }
    if let Some(p) = &r.metadata_path {
        let _ = writeln!(out, "Metadata:     {}", p.display());
    }
    out
}

/// Indents each line by two spaces, leaving blank lines blank.
fn indented(out: &mut String, text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "  {line}");
        }
    }
}
