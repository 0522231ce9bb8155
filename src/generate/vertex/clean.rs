//! Text from a server is shown to users only after this: no terminal
//! control characters (an escape sequence in an error message could rewrite
//! the screen or the clipboard), no bidirectional overrides, no secrets,
//! and never more than a screenful.

/// One line: control characters become spaces, runs of whitespace one
/// space, at most `max` characters.
pub fn line(s: &str, max: usize) -> String {
    let text: String = s
        .chars()
        .map(|c| if is_unsafe(c) { ' ' } else { c })
        .collect();
    truncate(&text.split_whitespace().collect::<Vec<_>>().join(" "), max)
}

/// Several lines (lyrics): newlines and tabs kept, other control
/// characters dropped.
pub fn lines(s: &str) -> String {
    s.chars()
        .filter(|&c| c == '\n' || c == '\t' || !is_unsafe(c))
        .collect()
}

/// An excerpt of an answer music-gen could not read: one line, 200
/// characters, with anything shaped like a token or a key removed.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let redacted: Vec<String> = text
        .split_inclusive(|c: char| c.is_whitespace() || c == '"' || c == ',')
        .map(|word| {
            if word.contains("ya29.") || word.contains("PRIVATE KEY") || word.contains("Bearer") {
                "[removed]".to_string()
            } else {
                word.to_string()
            }
        })
        .collect();
    line(&redacted.concat(), 200)
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_overrides_are_removed() {
        let hostile = "quota\x1b]52;c;aGk=\x07 exceeded\x1b[2J\r\n\u{202e}now";
        let l = line(hostile, 300);
        assert!(!l.chars().any(is_unsafe), "{l:?}");
        assert_eq!(l, "quota ]52;c;aGk= exceeded [2J now");
        assert_eq!(lines("[Verse]\nla\x1b[31mla"), "[Verse]\nla[31mla");
    }

    #[test]
    fn excerpts_are_short_and_hold_no_token() {
        let body = format!(r#"{{"token": "ya29.secret", "x": "{}"}}"#, "y".repeat(500));
        let e = excerpt(body.as_bytes());
        assert!(!e.contains("ya29"), "{e}");
        assert!(e.chars().count() <= 201, "{e}");
    }
}
