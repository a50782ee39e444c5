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

# Air copies for spots added before they existed. The Ogg spot is made one
# such: its copy and its record go (the trigger that keeps a copy fixed goes
# first, as the database of an older Loa would not have the copy at all).
ogg_id=$(sqlite3 "$work/x.db" "SELECT id FROM spots WHERE air_file_name IS NOT NULL")
ogg_air=$(sqlite3 "$work/x.db" "SELECT air_file_name FROM spots WHERE id = '$ogg_id'")
ogg_frames=$(sqlite3 "$work/x.db" "SELECT frames FROM spots WHERE id = '$ogg_id'")
sqlite3 "$work/x.db" "DROP TRIGGER spots_air_copy_is_fixed;
  UPDATE spots SET air_file_name = NULL, air_sha256 = NULL, air_file_size = NULL,
  air_mtime_ns = NULL WHERE id = '$ogg_id'" || fail "cannot simulate an older spot"
rm -f "$work/lib/$ogg_air"
expect 0 spot render
contains "$out" "Spot $ogg_id: air copy made"
contains "$out" "1 air copy made"
[[ -f $work/lib/$ogg_air ]] || fail "spot render did not write $ogg_air: $(ls -A "$work/lib")"
[[ $(sqlite3 "$work/x.db" "SELECT air_sha256 FROM spots WHERE id = '$ogg_id'") == \
   "$(sha256sum "$work/lib/$ogg_air" | cut -d' ' -f1)" ]] || fail "the air copy's hash is not recorded"
# 44 bytes of header, then 16-bit samples of every frame (mono or stereo).
channels=$(sqlite3 "$work/x.db" "SELECT channels FROM spots WHERE id = '$ogg_id'")
[[ $(stat -c %s "$work/lib/$ogg_air") -ge $((44 + ogg_frames * channels * 2)) ]] ||
  fail "the air copy is shorter than the spot"
expect 0 spot render
contains "$out" "0 air copies made"
expect 0 spot render ATTT-T01 "$ogg_id"
contains "$out" "ATTT-T01: PCM, airs as it is"
contains "$out" "$ogg_id: has an air copy already"
expect 1 spot render NOPE
contains "$err" "NOPE"
# A library file that changed is refused, and nothing is left behind.
sqlite3 "$work/x.db" "UPDATE spots SET air_file_name = NULL, air_sha256 = NULL,
  air_file_size = NULL, air_mtime_ns = NULL WHERE id = '$ogg_id'" || fail "sqlite3"
rm -f "$work/lib/$ogg_air"
ogg_file=$(sqlite3 "$work/x.db" "SELECT file_name FROM spots WHERE id = '$ogg_id'")
cp "$work/lib/$ogg_file" "$work/ogg.bak"
printf 'x' >> "$work/lib/$ogg_file"
expect 2 spot render "$ogg_id"
contains "$err" "changed since it was added"
[[ $(find "$work/lib" -mindepth 1 | wc -l) == 2 ]] ||
  fail "a refused render left files behind: $(ls -A "$work/lib")"
cp "$work/ogg.bak" "$work/lib/$ogg_file"

# A full disk or closed pipe on stdout is a failure, not silence.
if [[ -w /dev/full ]]; then
  rc=0
  "$loa_bin" --config "$work/loa.cfg" spot list >/dev/full 2>/dev/null || rc=$?
  [[ $rc == 1 ]] || fail "spot list to /dev/full exited $rc, expected 1"
fi

echo "audio-library.cli: all passed"
