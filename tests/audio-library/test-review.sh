#!/usr/bin/env bash
# The review of spots as an operator does it, with the default
# require_approval = true: add (submitted), show (loudness, cues, trail),
# approve, edit, retire; a spoken bulletin from text; the drop folder once.
# The audio is generated with gst-launch-1.0.
#
# Usage: test-review.sh PATH-TO-LOA
set -euo pipefail

loa_bin=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/loa-spot-review.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

command -v gst-launch-1.0 >/dev/null ||
  fail "gst-launch-1.0 is missing (Debian package gstreamer1.0-tools)"

cat >"$work/loa.cfg" <<'EOF2'
station = { id = "test"; };
database = "x.db";
library = { path = "lib"; drop_folder = "drop"; drop_settle_seconds = 0; };
loudness_target = -16;
lines = ( { id = "a"; output = "null"; } );
EOF2

expect() {
  local want=$1 rc=0
  shift
  "$loa_bin" --config "$work/loa.cfg" "$@" >"$work/stdout" 2>"$work/stderr" || rc=$?
  out=$(cat "$work/stdout")
  err=$(cat "$work/stderr")
  [[ $rc == "$want" ]] ||
    fail "loa $* exited $rc, expected $want
stdout: $out
stderr: $err"
}

contains() {
  [[ $1 == *"$2"* ]] || fail "expected '$2' in:
$1"
}

# 1 s of silence, 2 s of a 1 kHz sine at -23 dBFS (peak), 1 s of silence, 48 kHz stereo.
gst-launch-1.0 -q audiotestsrc num-buffers=10 samplesperbuffer=4800 wave=silence \
  ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! wavenc ! filesink location="$work/lead.wav" >/dev/null
gst-launch-1.0 -q audiotestsrc num-buffers=20 samplesperbuffer=4800 freq=1000 volume=0.0708 \
  ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! wavenc ! filesink location="$work/tone.wav" >/dev/null
if command -v sox >/dev/null; then
  sox "$work/lead.wav" "$work/tone.wav" "$work/lead.wav" "$work/padded.wav"
else
  cp "$work/tone.wav" "$work/padded.wav"
fi

expect 0 init
expect 0 spot add "$work/tone.wav" --id TB-01 --title "Thông báo tiêm chủng" \
  --category announcement --valid-from 2025-01-01 --tags "y tế, tiêm chủng"
contains "$out" "Added spot TB-01: Thông báo tiêm chủng"
contains "$out" "-23.0 LUFS, true peak -23.0 dBTP"
contains "$out" "submitted"

expect 0 spot show TB-01 --format json
contains "$out" '"status": "submitted"'
contains "$out" '"loudness_lufs": -23.0'
contains "$out" '"air_gain_db": 7.0'
contains "$out" '"tags": "y tế,tiêm chủng"'
if command -v sox >/dev/null; then
  expect 0 spot add "$work/padded.wav" --id PAD-01
  expect 0 spot show PAD-01 --format json
  contains "$out" '"cue_in": 1.000'
  contains "$out" '"cue_out": 3.000'
fi
expect 0 spot show TB-01 --format json
if command -v python3 >/dev/null; then
  python3 -m json.tool <<<"$out" >/dev/null || fail "spot show --format json is not JSON:
$out"
fi
expect 0 spot show TB-01
contains "$out" "True peak (dBTP)"
contains "$out" "added"

# Approval, once; editing; retiring.
expect 0 spot approve TB-01 --by "Ông Tư"
contains "$out" "Approved spot TB-01 (by Ông Tư)"
expect 2 spot approve TB-01 --by "Ông Tư"
contains "$err" "already approved"
expect 1 spot approve NOPE --by x
contains "$err" "NOPE"
expect 0 spot edit TB-01 --title "Thông báo tiêm chủng (đợt 2)" --valid-until 2025-12-31
expect 2 spot edit TB-01 --valid-until 2024-12-31
contains "$err" "after"
expect 0 spot show TB-01 --format csv
contains "$out" "Thông báo tiêm chủng (đợt 2)"
contains "$out" ",approved,"
expect 0 spot list
contains "$out" "approved"
expect 0 spot retire TB-01 --by "Ông Tư"
expect 0 spot show TB-01 --format json
contains "$out" '"status": "retired"'
contains "$out" '"retired_by": "Ông Tư"'

# A spoken bulletin.
if command -v espeak-ng >/dev/null; then
  printf 'Thông báo: ngày mai cúp điện từ bảy giờ đến mười một giờ.\n' >"$work/cúp điện.txt"
  expect 0 spot say "$work/cúp điện.txt" --id CD-01 --title "Cúp điện" --category announcement
  contains "$out" "Added spot CD-01: Cúp điện"
  expect 0 spot show CD-01 --format json
  contains "$out" '"bulletin_text": "Thông báo: ngày mai cúp điện'
  contains "$out" '"original_name": "cúp điện.txt"'
  printf '' >"$work/empty.txt"
  expect 2 spot say "$work/empty.txt"
  contains "$err" "empty.txt"
fi

# The drop folder of the configuration, once.
mkdir -p "$work/drop"
gst-launch-1.0 -q audiotestsrc num-buffers=10 samplesperbuffer=4800 freq=500 \
  ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! wavenc \
  ! filesink location="$work/drop/tin sáng.wav" >/dev/null
cp "$work/tone.wav" "$work/drop/same as TB-01.wav"
printf 'id = "TS-01";\ntitle = "Tin sáng";\ncategory = "news";\n' >"$work/drop/tin sáng.cfg"
echo "not audio" >"$work/drop/photo.jpg"
expect 1 spot watch --once
contains "$out" "1 added, 1 already in the library, 1 rejected"
[[ -f "$work/drop/done/tin sáng.cfg" ]] || fail "the sidecar was not moved to done/"
[[ -f "$work/drop/rejected/photo.jpg.error.txt" ]] || fail "no photo.jpg.error.txt"
contains "$(cat "$work/drop/rejected/photo.jpg.error.txt")" "photo.jpg"
expect 0 spot show TS-01 --format json
contains "$out" '"title": "Tin sáng"'
expect 2 spot watch "$work/drop/done/tin sáng.cfg" --once

# The watcher as a running process: a file dropped while it runs is
# ingested once settled, and TERM stops it cleanly.
cat >"$work/watch.cfg" <<EOF2
station = { id = "test"; };
database = "x.db";
library = { path = "lib"; drop_settle_seconds = 1; };
lines = ( { id = "a"; output = "null"; } );
EOF2
mkdir -p "$work/live"
"$loa_bin" --config "$work/watch.cfg" spot watch "$work/live" >"$work/watch.out" 2>&1 &
watcher=$!
sleep 1
gst-launch-1.0 -q audiotestsrc num-buffers=10 samplesperbuffer=4800 freq=700 \
  ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! wavenc \
  ! filesink location="$work/live/live.wav" >/dev/null
for _ in $(seq 1 40); do
  [[ -f "$work/live/done/live.wav" ]] && break
  sleep 0.25
done
kill -TERM $watcher
rc=0
wait $watcher || rc=$?
[[ $rc == 0 ]] || fail "loa spot watch exited $rc after TERM: $(cat "$work/watch.out")"
[[ -f "$work/live/done/live.wav" ]] || fail "the running watcher did not ingest live.wav: $(cat "$work/watch.out")"
contains "$(cat "$work/watch.out")" "live.wav: added as spot"

echo "audio-library.review: all passed"
