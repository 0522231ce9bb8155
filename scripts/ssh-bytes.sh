#!/bin/sh
# Measures the bytes the real app writes to its terminal, which is what
# crosses an SSH link: tmux runs it at 80×24, `pipe-pane -o` records
# everything the app writes, and each step below is measured from the
# recording once the app has gone quiet.
#
#   (a) start-up: the modes, the first frame, the frames as the presets
#       and the first preset arrive
#   (b) one `j` in the preset list
#   (c) one character typed in the lyrics editor
#   (d) five seconds idle (should be 0)
#
# Frames are counted by their synchronized-update start (ESC [ ? 2026 h).
# Needs (Debian): tmux perl. Run from anywhere: scripts/ssh-bytes.sh [FILE]
# (FILE, if given, keeps the raw recording).
set -eu

cd "$(dirname "$0")/.."
COLS=80
ROWS=24
QUIET=0.5 # the app counts as done once it has written nothing for this long

command -v tmux >/dev/null || { echo "ssh-bytes: tmux is not installed" >&2; exit 1; }
cargo build --quiet --bin music-gen
BIN=$(pwd)/target/debug/music-gen
WORK=$(mktemp -d)
REC=$WORK/wire
SOCKET="music-gen-bytes-$$"
tmux_() { tmux -L "$SOCKET" "$@"; }
trap 'tmux_ kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT INT TERM

# The app waits for the recorder: its pane starts it only once signalled.
: >"$REC"
tmux_ new-session -d -x "$COLS" -y "$ROWS" -s bytes \
    "tmux -L $SOCKET wait-for go && exec env -u NO_COLOR XDG_STATE_HOME=$WORK/state MUSIC_GEN_CONFIG=$WORK/config.toml \
     MUSIC_GEN_OUTPUT_DIR=$WORK/tracks $BIN --presets-dir $WORK/presets"
size=$(tmux_ display-message -p -t bytes '#{pane_width}x#{pane_height}')
[ "$size" = "${COLS}x${ROWS}" ] || { echo "ssh-bytes: the pane is $size" >&2; exit 1; }
tmux_ pipe-pane -o -t bytes "cat >>$REC"
tmux_ wait-for -S go

keys() { tmux_ send-keys -t bytes "$@"; }
bytes() { wc -c <"$REC" | tr -d ' '; }
frames() { perl -0777 -ne 'print scalar(() = /\e\[\?2026h/g)' "$REC"; }

# Waits until the screen shows TEXT (at most 15 s), then until the app has
# written nothing for $QUIET seconds.
settle() {
    i=0
    until tmux_ capture-pane -p -t bytes | grep -qF -- "$1"; do
        i=$((i + 1))
        if [ "$i" -gt 300 ]; then
            echo "ssh-bytes: timed out waiting for: $1" >&2
            tmux_ capture-pane -p -t bytes >&2
            exit 1
        fi
        sleep 0.05
    done
    before=-1
    while [ "$before" != "$(bytes)" ]; do
        before=$(bytes)
        sleep "$QUIET"
    done
}

# Prints one result line: the bytes and frames written since the last mark.
mark_bytes=0
mark_frames=0
report() {
    now_bytes=$(bytes)
    now_frames=$(frames)
    printf '%-44s %6d bytes  %2d frame(s)\n' "$1" \
        $((now_bytes - mark_bytes)) $((now_frames - mark_frames))
    mark_bytes=$now_bytes
    mark_frames=$now_frames
}

settle "Loaded preset classical_orchestral"
first_frame=$(perl -0777 -ne '/\e\[\?2026l/ and print $+[0]' "$REC")
echo "music-gen at ${COLS}×${ROWS} ($((COLS * ROWS)) cells), bytes written to the terminal:"
printf '%-44s %6d bytes\n' "(a) first frame (with the terminal set-up)" "$first_frame"
report "(a) start-up until idle, preset loaded"

keys j
settle "›  electronic_dance"
report "(b) one j in the preset list"

keys Tab Tab Enter
settle "Lyrics editing 0/"
report "    (Tab Tab Enter to the lyrics editor)"
keys -l x
settle "Lyrics editing 1/"
report "(c) one character typed in the lyrics"

sleep 5
report "(d) 5 seconds idle"

if [ $# -gt 0 ]; then
    cp "$REC" "$1"
fi
