//! Copying through the terminal (OSC 52): the terminal the user sits at
//! puts the text on its clipboard, so it works over SSH and inside tmux
//! (with `set -g set-clipboard on`), where no clipboard tool on the server
//! could reach the user's desktop.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Terminals cap what they accept (xterm: 100,000 bytes of base64 by
/// default); a path is far below this, and more is refused rather than cut.
pub const MAX_BYTES: usize = 74_000;

/// The escape sequence that sets the clipboard to `text`, or `None` when the
/// text is too long for terminals to take.
pub fn osc52(text: &str) -> Option<String> {
    (text.len() <= MAX_BYTES).then(|| format!("\x1b]52;c;{}\x07", STANDARD.encode(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_travels_as_base64_inside_one_sequence() {
        assert_eq!(
            osc52("/tmp/a b.wav").unwrap(),
            "\x1b]52;c;L3RtcC9hIGIud2F2\x07"
        );
        // Escapes in a hostile file name cannot end the sequence early.
        let seq = osc52("x\x07\x1b]0;owned\x07").unwrap();
        assert_eq!(seq.matches('\x07').count(), 1);
        assert!(osc52(&"a".repeat(MAX_BYTES + 1)).is_none());
    }
}
