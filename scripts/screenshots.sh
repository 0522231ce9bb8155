#!/bin/sh
# Regenerates screenshots/*.png from the real app: tmux runs it at a fixed
# size (120×36, then the main views again at 80×24 and 60×20, named
# NAME-80x24.png), `capture-pane -e` gives the screen with its colours as
# ANSI, aha turns that into HTML and headless Chromium renders the PNG.
#
# Needs (Debian): tmux aha chromium fonts-dejavu-core python3
# Run from anywhere: scripts/screenshots.sh
set -eu

cd "$(dirname "$0")/.."
COLS=120
ROWS=36
OUT=screenshots

for tool in tmux aha chromium python3; do
    command -v "$tool" >/dev/null || { echo "screenshots: $tool is not installed" >&2; exit 1; }
done
cargo build --quiet --bin music-gen --example fake_google
BIN=$(pwd)/target/debug/music-gen
WORK=$(mktemp -d)
SOCKET="music-gen-shots-$$"
tmux_() { tmux -L "$SOCKET" "$@"; }
trap 'tmux_ kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT INT TERM

# A fresh home, so the screenshots show the built-in presets and paths
# read `~/…` (no temporary folder in view).
H=$WORK/home
mkdir -p "$H"
APP="env -u MUSIC_GEN_CONFIG -u MUSIC_GEN_OUTPUT_DIR -u MUSIC_GEN_PRESETS_DIR -u MUSIC_GEN_MODE \
    -u GOOGLE_CLOUD_PROJECT -u GOOGLE_CLOUD_REGION -u GOOGLE_APPLICATION_CREDENTIALS \
    HOME=$H XDG_CONFIG_HOME=$H/.config XDG_DATA_HOME=$H/.local/share XDG_STATE_HOME=$H/.local/state $BIN"
# Yesterday's takes, for the library: simulated ones from the CLI, and two
# with audio (a WAV each, written here, as a gcp take would have).
TRACKS=$H/.local/share/music-gen/tracks
seed() {
    $APP generate "$@" >/dev/null
}
seed -p jazz_smooth -t "Blue notes fall like rain on the avenue" --seed 7 -o "$TRACKS/20261129-201500-jazz.wav"
seed -p jazz_smooth -t "Blue notes fall like rain on the avenue" --seed 42 --temperature 0.9 -o "$TRACKS/20261129-203000-jazz.wav"
seed -p rock_anthem -t "Engines roar and the highway sings" -o "$TRACKS/20261128-090000-rock.wav"
seed -p electronic_dance -t "Lights go down, the bass comes up" --seed 3 -o "$TRACKS/20261127-220000-edm.wav"
python3 - "$TRACKS" <<'PY'
import hashlib, json, math, struct, sys, wave
folder = sys.argv[1]
# Two takes of the same song: the second swells later and louder.
for stem, swell in (("20261129-201500-jazz", 0.35), ("20261129-203000-jazz", 0.7)):
    meta = f"{folder}/{stem}.json"
    take = json.load(open(meta))
    rate, seconds = 8000, 30
    frames = bytearray()
    peak = square = 0.0
    for i in range(rate * seconds):
        t = i / rate
        amp = 0.15 + 0.75 * math.exp(-((t / seconds - swell) ** 2) / 0.02)
        amp *= 0.6 + 0.4 * math.sin(2 * math.pi * t / 2.0) ** 2
        v = amp * math.sin(2 * math.pi * 220 * t)
        peak, square = max(peak, abs(v)), square + v * v
        frames += struct.pack("<h", int(v * 32767))
    path = f"{folder}/{stem}.wav"
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes(bytes(frames))
    data = open(path, "rb").read()
    db = lambda x: round(20 * math.log10(x), 1)
    take.update(status="completed", mode="gcp", model="lyria-002")
    # What gcp mode records: Lyria 2's price of one 30-second sample.
    take["cost_estimate"] = {"model": "lyria-002", "unit_price_usd": 0.06, "units": 1,
                             "estimated_total_usd": 0.06,
                             "note": "Estimate: $0.06 per 30-second sample."}
    take["settings"]["mode"] = "gcp"
    take["files"] = [{"path": path, "mime_type": "audio/wav", "size_bytes": len(data),
                      "sha256": hashlib.sha256(data).hexdigest(),
                      "audio": {"format": "wav", "sample_rate": rate, "channels": 1,
                                "duration_seconds": float(seconds), "peak_dbfs": db(peak),
                                "rms_dbfs": db(math.sqrt(square / (rate * seconds)))}}]
    json.dump(take, open(meta, "w"), indent=2)
PY

tmux_ new-session -d -x "$COLS" -y "$ROWS" -s shot "$APP"

# Waits until the screen shows TEXT (at most 15 s).
wait_for() {
    i=0
    until tmux_ capture-pane -p -t shot | grep -qF -- "$1"; do
        i=$((i + 1))
        if [ "$i" -gt 300 ]; then
            echo "screenshots: timed out waiting for: $1" >&2
            tmux_ capture-pane -p -t shot >&2
            exit 1
        fi
        sleep 0.05
    done
}

# Waits until the screen no longer shows TEXT (at most 15 s).
wait_gone() {
    i=0
    while tmux_ capture-pane -p -t shot | grep -qF -- "$1"; do
        i=$((i + 1))
        if [ "$i" -gt 300 ]; then
            echo "screenshots: timed out waiting for this to go: $1" >&2
            tmux_ capture-pane -p -t shot >&2
            exit 1
        fi
        sleep 0.05
    done
}

keys() { tmux_ send-keys -t shot "$@"; }
text() { tmux_ send-keys -t shot -l "$1"; }

# Captures the screen as $OUT/NAME.png, the window sized to the terminal
# (DejaVu Sans Mono 15 px: 9.03 px a column, 18 px a row, plus padding).
shot() {
    name=$1
    tmux_ capture-pane -e -p -t shot > "$WORK/$name.ansi"
    {
        cat <<'HTML'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>
body { margin: 0; background: #1d1f21; }
pre { margin: 0; padding: 14px 16px; color: #d0d0d0; background: #1d1f21;
      font-family: "DejaVu Sans Mono", monospace; font-size: 15px; line-height: 1.2; }
.reset { color: #d0d0d0; } .bg-reset { background: #1d1f21; }
.inverted { color: #1d1f21; } .bg-inverted { background: #d0d0d0; }
.dimgray { color: #1d1f21; } .highlighted.dimgray { color: #7c7c7c; filter: none; }
.red { color: #e06c75; } .green { color: #98c379; } .yellow { color: #e5c07b; }
.blue { color: #61afef; } .purple { color: #c678dd; } .cyan { color: #56b6c2; }
.white { color: #ffffff; }
.bg-black { background: #1d1f21; } .bg-red { background: #e06c75; }
.bg-green { background: #98c379; } .bg-yellow { background: #e5c07b; }
.bg-blue { background: #61afef; } .bg-purple { background: #c678dd; }
.bg-cyan { background: #56b6c2; } .bg-white { background: #ffffff; }
.bold { font-weight: bold; } .underline { text-decoration: underline; }
.highlighted { filter: brightness(130%); }
.cell { display: inline-block; width: 1ch; overflow: hidden; vertical-align: bottom; }
</style></head><body><pre>
HTML
        # tmux writes the 16 colours in their 256-colour form (38;5;N),
        # follows a reverse with colours, and sets a bright foreground
        # before the background; aha gets all of these wrong, so they are
        # put in a form it reads first.
        perl -pe '
            s/\e\[([34])8;5;(\d+)m/$2 < 8 ? "\e[$1$2m" : $2 < 16 ? "\e[" . (($1 == 3 ? 82 : 92) + $2) . "m" : $&/ge;
            s/\e\[((?:\d+;)*7)m\e\[39m\e\[49m/\e[$1m/g;
            s/\e\[((?:\d+;)*)7m\e\[3([0-7])m\e\[49m/\e[$1m\e[4$2m\e[30m/g;
            s/(\e\[9[0-7]m)(\e\[(?:4\d|10[0-7])m)/$2$1/g;
        ' "$WORK/$name.ansi" | aha --no-header --stylesheet |
        # DejaVu Sans Mono has no braille: the waveform's come from DejaVu
        # Sans, wider, so each is held to one column, as in a terminal.
        perl -CSD -pe 's/([\x{2800}-\x{28FF}])/<span class="cell">$1<\/span>/g'
        echo '</pre></body></html>'
    } > "$WORK/$name.html"
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --user-data-dir="$(mktemp -d -p "$WORK")" \
        --screenshot="$(pwd)/$OUT/$name.png" \
        --window-size="$((COLS * 903 / 100 + 40)),$((ROWS * 18 + 40))" \
        "file://$WORK/$name.html" >/dev/null 2>&1
    echo "screenshots: wrote $OUT/$name.png"
}

wait_for "Track · classical_orchestral"
# Select rock_anthem and load it.
keys j j j j Enter
wait_for "Track · rock_anthem"
shot main

# The lyrics editor, mid-typing.
keys Tab Tab Enter
wait_for "Lyrics editing"
text "Streetlights flicker, engines roar"
keys Enter
text "We chase the night forevermore"
keys Enter Enter
text "[Chorus] Raise your hands, we own the sky"
wait_for "we own the sky"
shot form-lyrics

# Two generations in simulate mode, then the log in focus.
keys Escape
wait_for "Lyrics 1"
keys g
wait_for "○ #1"
keys g
wait_for "Generations"
keys Tab Tab
sleep 0.3
shot generation-log

# Enter on the selected entry: everything about it.
keys Enter
wait_for "Esc close"
shot generation-details
keys Escape

keys '?'
wait_for "Help"
shot help
keys Escape

# The library: yesterday's takes under this session's, zoomed.
keys z
wait_for "takes"
keys End
sleep 0.3
shot library

# A take's details: its waveform and levels, and what made it.
keys Home j j Enter
wait_for "WAV 8 kHz"
shot take-details
keys Escape

# Two takes of the same song compared.
keys m j C
wait_for "differences"
sleep 0.3
shot compare
keys Escape z

# The settings view.
keys Escape o
wait_for "Default model"
shot settings
keys Escape q

# gcp mode against fake Google servers on 127.0.0.1 (nothing leaves the
# machine): the cost question, then a finished take with its real length.
mkfifo "$WORK/fake-in"
"$(pwd)/target/debug/examples/fake_google" < "$WORK/fake-in" > "$WORK/fake-out" &
exec 3> "$WORK/fake-in"
i=0
until grep -q '^endpoint=' "$WORK/fake-out" 2>/dev/null; do
    i=$((i + 1)); [ "$i" -lt 200 ] || { echo "screenshots: fake_google did not start" >&2; exit 1; }
    sleep 0.05
done
CREDS=$(sed -n 's/^credentials=//p' "$WORK/fake-out")
ENDPOINT=$(sed -n 's/^endpoint=//p' "$WORK/fake-out")
tmux_ kill-session -t shot 2>/dev/null || true
tmux_ new-session -d -x "$COLS" -y "$ROWS" -s shot \
    "$APP --mode gcp --project-id test-project --credentials $CREDS --endpoint $ENDPOINT"
# The draft of the first session comes back: rock_anthem with its lyrics.
wait_for "Track · rock_anthem"
keys g
wait_for "Estimated cost"
shot gcp-cost
keys y
wait_for "♪ #1"
keys 5 Enter
wait_for "Esc close"
wait_gone "reading the audio"
shot gcp-take
keys Escape q
exec 3>&-

# The main views again at 80×24, the size the README promises, and the
# compact layout at 60×20 (a tmux split), in simulate mode.
COLS=80
ROWS=24
# The app quit, so tmux's server is going: wait until it is gone, or the
# next session would connect to a server that is exiting.
i=0
while tmux_ has-session -t shot 2>/dev/null && [ "$i" -lt 100 ]; do
    i=$((i + 1)); sleep 0.05
done
sleep 0.3
tmux_ new-session -d -x "$COLS" -y "$ROWS" -s shot "$APP"
wait_for "Track · rock_anthem"
shot main-80x24
keys 4 z
wait_for "Prompt · est."
shot prompt-80x24
keys z 5 z
wait_for "takes"
shot library-80x24
keys z o
wait_for "Default model"
shot settings-80x24
keys Escape 3 '?'
wait_for "Help"
shot help-80x24
keys Escape
COLS=60
ROWS=20
tmux_ resize-window -t shot -x "$COLS" -y "$ROWS"
keys 2
wait_for "Track · rock"
shot compact-60x20
keys 5
wait_for "takes"
shot compact-library-60x20
keys q
