#!/usr/bin/env bash
# `loa spot` as an operator uses it: add (new, duplicate, bad input), list in
# every format, show; the exit codes and the messages. The station is a
# throw-away folder; the audio is generated with gst-launch-1.0.
#
# Usage: test-cli.sh PATH-TO-LOA
set -euo pipefail

loa_bin=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/loa-spot-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

command -v gst-launch-1.0 >/dev/null ||
  fail "gst-launch-1.0 is missing (Debian package gstreamer1.0-tools)"

cat >"$work/loa.cfg" <<'EOF'
station = { id = "test"; };
database = "x.db";
library = "lib";
require_approval = false;
lines = ( { id = "a"; output = "null"; } );
EOF

# expect CODE ARGS...: runs loa, checks its exit code, leaves $out and $err.
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

# tone FILE FREQ ENCODER...: 1.5 s of a sine at 44.1 kHz stereo.
tone() {
  local file=$1 freq=$2
  shift 2
  gst-launch-1.0 -q audiotestsrc num-buffers=15 samplesperbuffer=4410 freq="$freq" \
    ! audio/x-raw,format=S16LE,rate=44100,channels=2 ! audioconvert ! "$@" \
    ! filesink location="$file" >/dev/null
}

tone "$work/tone.wav" 440 wavenc
tone "$work/other.wav" 880 wavenc
tone "$work/tone.ogg" 440 vorbisenc ! oggmux
: >"$work/empty.wav"
echo "not audio at all" >"$work/notes.mp3"
mkdir "$work/folder.wav"

expect 0 init
[[ -f $work/x.db ]] || fail "loa init did not create the database"

# A new spot.
expect 0 spot add "$work/tone.wav" --id ATTT-T01 --title "Phòng chống lừa đảo" \
  --category article --topic attt --supplier "Sở VHTT"
contains "$out" "Added spot ATTT-T01: Phòng chống lừa đảo (0:01.500, "
contains "$out" ", 44100 Hz, 2 ch)"

# The same file again is not an error, and nothing is added.
expect 0 spot add "$work/tone.wav" --id SOMETHING-ELSE
[[ -z $out ]] || fail "a duplicate printed on stdout: $out"
contains "$err" "already in the library as spot ATTT-T01"

# An id is generated when none is given.
expect 0 spot add "$work/tone.ogg"
contains "$out" "Added spot S-"

# Bad input: exit 2, "loa: FILE: reason", nothing added.
expect 2 spot add "$work/missing.wav"
contains "$err" "loa: $work/missing.wav: "
expect 2 spot add "$work/empty.wav"
contains "$err" "loa: $work/empty.wav: "
expect 2 spot add "$work/notes.mp3"
contains "$err" "loa: $work/notes.mp3: "
expect 2 spot add "$work/folder.wav"
contains "$err" "loa: $work/folder.wav: "
expect 2 spot add "$work/other.wav" --category advert
contains "$err" "advert"
expect 2 spot add "$work/other.wav" --id ATTT-T01
contains "$err" "ATTT-T01"
expect 2 spot add "$work/other.wav" --id "not an id"
expect 2 spot add
expect 2 spot add "$work/other.wav" "$work/tone.ogg"
expect 2 spot add "$work/other.wav" --no-such-option
expect 2 spot list --format xml
expect 2 spot frobnicate
# The WAV, the Ogg and the Ogg's air copy (it airs decoded once, at ingest).
[[ $(find "$work/lib" -mindepth 1 | wc -l) == 3 ]] ||
  fail "the library should hold exactly 3 files: $(ls -A "$work/lib")"
[[ $(find "$work/lib" -name '*.air.wav' | wc -l) == 1 ]] ||
  fail "the Ogg spot should have one air copy: $(ls -A "$work/lib")"

# Listing.
expect 0 spot list
contains "$out" "ATTT-T01"
contains "$out" "Phòng chống lừa đảo"
contains "$out" "0:02"
[[ $(wc -l <<<"$out") == 3 ]] || fail "expected a header and 2 rows:
$out"
expect 0 spot list --format json
contains "$out" '"id": "ATTT-T01"'
contains "$out" '"duration": 1.500'
contains "$out" '"sample_rate": 44100'
if command -v python3 >/dev/null; then
  python3 -m json.tool <<<"$out" >/dev/null || fail "spot list --format json is not JSON:
$out"
fi
expect 0 spot list --format csv
[[ $(head -n 1 <<<"$out" | tr -d '\r') == \
  "id,title,category,topic,duration,codec,sample_rate,channels,status,supplier,sha256" ]] ||
  fail "unexpected CSV header: $(head -n 1 <<<"$out")"
sha=$(sha256sum "$work/tone.wav" | cut -d' ' -f1)
contains "$out" "ATTT-T01,Phòng chống lừa đảo,article,attt,1.500,"
contains "$out" ",44100,2,approved,Sở VHTT,$sha"

# One spot.
expect 0 spot show ATTT-T01
contains "$out" "Phòng chống lừa đảo"
contains "$out" "0:01.500"
contains "$out" "$sha"
expect 0 spot show ATTT-T01 --format json
contains "$out" '"id": "ATTT-T01"'
contains "$out" '"frames": 66150'
contains "$out" '"file_name": "ATTT-T01-'"${sha:0:8}"'.wav"'
if command -v python3 >/dev/null; then
  python3 -m json.tool <<<"$out" >/dev/null || fail "spot show --format json is not JSON:
$out"
fi
expect 1 spot show NOPE
contains "$err" "NOPE"

# A full disk or closed pipe on stdout is a failure, not silence.
if [[ -w /dev/full ]]; then
  rc=0
  "$loa_bin" --config "$work/loa.cfg" spot list >/dev/full 2>/dev/null || rc=$?
  [[ $rc == 1 ]] || fail "spot list to /dev/full exited $rc, expected 1"
fi

echo "audio-library.cli: all passed"
