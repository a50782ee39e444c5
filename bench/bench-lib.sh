# Shared by bench/timing, bench/load and bench/soak (sourced, not run): the
# tools, a station on the virtual sound card (tests/vcard), spots in every
# format made from loa-bench-spotgen's signal, Liquidsoap on the same lines,
# and the statistics. Needs bash; the caller sets `set -euo pipefail`.

BENCH_RATE=48000
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# bench_tools BUILD_DIR: sets LOA SPOTGEN ONSETS VCARD_CONF or exits 2.
bench_tools() {
  local build=$1 f
  LOA=$build/playout/loa
  SPOTGEN=$build/bench/loa-bench-spotgen
  ONSETS=$build/bench/loa-bench-onsets
  VCARD_CONF=$build/tests/vcard/loavcard-type.conf
  for f in "$LOA" "$SPOTGEN" "$ONSETS" "$VCARD_CONF"; do
    [ -e "$f" ] || { echo "$BENCH_NAME: $f is missing; build first (see bench/README.md)" >&2; exit 2; }
  done
  for f in gst-launch-1.0 awk date; do
    command -v "$f" > /dev/null || { echo "$BENCH_NAME: $f is not installed" >&2; exit 2; }
  done
}

bench_have_liquidsoap() { command -v liquidsoap > /dev/null; }

# bench_alsa_env WORK: the ALSA_CONFIG_PATH value for WORK/asoundrc.
bench_alsa_env() { echo "/usr/share/alsa/alsa.conf:$VCARD_CONF:$1/asoundrc"; }

# bench_asoundrc WORK PREFIX PPM LINE...: PCM loa_line_LINE records to WORK/PREFIX-LINE.wav.
bench_asoundrc() {
  local work=$1 prefix=$2 ppm=$3 line
  shift 3
  : > "$work/asoundrc"
  for line in "$@"; do
    echo "pcm.loa_line_$line { type loavcard; file \"$work/$prefix-$line.wav\"; ppm $ppm }" >> "$work/asoundrc"
  done
}

# bench_config FILE OUTPUT LINE...: a station config beside FILE (database
# loa.db and library/ in its folder); OUTPUT "vcard": each line on ALSA PCM
# loa_line_LINE, else Loa's "null" output.
bench_config() {
  local file=$1 output=$2 line sep=""
  shift 2
  {
    echo 'station = { id = "bench"; name = "Loa bench"; };'
    echo 'database = "loa.db";'
    echo 'library = "library";'
    echo 'require_approval = false;'
    echo 'loudness_normalize = false;'
    printf 'lines = ('
    for line in "$@"; do
      if [ "$output" = vcard ]; then
        printf '%s\n  { id = "%s"; output = "alsa:loa_line_%s"; }' "$sep" "$line" "$line"
      else
        printf '%s\n  { id = "%s"; output = "null"; }' "$sep" "$line"
      fi
      sep=,
    done
    printf ' );\n'
    # LOA_BENCH_REALTIME_PRIORITY=N: the output threads SCHED_FIFO at N
    # (engine.realtime_priority), to compare with the default (off).
    if [ -n "${LOA_BENCH_REALTIME_PRIORITY:-}" ]; then
      printf 'engine = { realtime_priority = %d; };\n' "$LOA_BENCH_REALTIME_PRIORITY"
    fi
  } > "$file"
}

# bench_station WORK OUTPUT LINE...: WORK/loa.cfg (see bench_config), loa init.
bench_station() {
  local work=$1
  shift
  bench_config "$work/loa.cfg" "$@"
  "$LOA" --config "$work/loa.cfg" init > /dev/null
}

# bench_make_spot WORK ID FORMAT RATE CHANNELS FRAMES: WORK/spots/ID.EXT from
# loa-bench-spotgen's signal; prints the file. FORMAT: wav flac vorbis opus mp3
# aac. MP3 and AAC are made with ffmpeg when it is there (libmp3lame writes the
# LAME header with the encoder delay, ffmpeg's MP4 muxer the AAC priming edit
# list, as most real files have); GStreamer's mp4mux writes no edit list, so an
# AAC file made by it starts with 1024 frames of priming.
bench_make_spot() {
  local work=$1 id=$2 format=$3 rate=$4 channels=$5 frames=$6 wav out
  mkdir -p "$work/spots"
  wav=$work/spots/$id.source.wav
  "$SPOTGEN" "$wav" "$rate" "$channels" "$frames"
  case $format in
    wav) out=$work/spots/$id.wav; mv "$wav" "$out"; echo "$out"; return ;;
    flac) out=$work/spots/$id.flac; bench_gst_encode "$wav" "$out" flacenc ;;
    vorbis) out=$work/spots/$id.ogg; bench_gst_encode "$wav" "$out" vorbisenc ! oggmux ;;
    opus) out=$work/spots/$id.opus; bench_gst_encode "$wav" "$out" opusenc ! oggmux ;;
    mp3)
      out=$work/spots/$id.mp3
      if command -v ffmpeg > /dev/null; then
        ffmpeg -nostdin -v error -y -i "$wav" -c:a libmp3lame -b:a 128k "$out"
      else
        bench_gst_encode "$wav" "$out" lamemp3enc target=bitrate bitrate=128 cbr=true ! xingmux
      fi ;;
    aac)
      out=$work/spots/$id.m4a
      if command -v ffmpeg > /dev/null; then
        ffmpeg -nostdin -v error -y -i "$wav" -c:a aac -b:a 128k "$out"
      else
        bench_gst_encode "$wav" "$out" avenc_aac ! mp4mux
      fi ;;
    *) echo "$BENCH_NAME: unknown format $format" >&2; return 1 ;;
  esac
  rm -f "$wav"
  echo "$out"
}

bench_gst_encode() {
  local in=$1 out=$2
  shift 2
  timeout 60 gst-launch-1.0 -q filesrc location="$in" ! wavparse ! audioconvert ! "$@" ! \
    filesink location="$out" > /dev/null
}

# bench_reference_decode FILE OUT.wav: decodes FILE the way a line does
# (decodebin, converted to 48 kHz stereo S16) into OUT.wav.
bench_reference_decode() {
  timeout 60 gst-launch-1.0 -q filesrc location="$1" ! decodebin ! audioconvert ! audioresample ! \
    audio/x-raw,format=S16LE,rate=$BENCH_RATE,channels=2 ! wavenc ! filesink location="$2" > /dev/null
}

# bench_add_spot WORK ID FILE: loa spot add; prints "FRAMES PATH" from the catalog
# (frames the ingest decoded, the library copy's path).
bench_add_spot() {
  local work=$1 id=$2 file=$3
  "$LOA" --config "$work/loa.cfg" spot add "$file" --id "$id" --title "bench $id" \
    --category news > /dev/null
  "$LOA" --config "$work/loa.cfg" spot show "$id" --format csv | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { print $col["frames"], $col["path"] }'
}

local_time() { TZ=Asia/Ho_Chi_Minh date -d "@$1" '+%Y-%m-%d %H:%M:%S'; }

# bench_liquidsoap_start WORK SCHEDULE STOP_EPOCH OUTPUT LINE...: starts
# bench/schedule.liq in the background (log in WORK/liquidsoap.log); it shuts
# itself down at STOP_EPOCH. Sets LS_PID (the liquidsoap process itself).
# Extra environment: LOA_BENCH_ADVANCE etc. (see schedule.liq).
LS_PID=
bench_liquidsoap_start() {
  local work=$1 schedule=$2 stop=$3 output=$4
  shift 4
  ALSA_CONFIG_PATH=$(bench_alsa_env "$work") LOA_BENCH_SCHEDULE=$schedule \
    LOA_BENCH_LINES="$*" LOA_BENCH_STOP=$stop LOA_BENCH_OUTPUT=$output \
    liquidsoap "$BENCH_ROOT/bench/schedule.liq" > "$work/liquidsoap.log" 2>&1 &
  LS_PID=$!
}

# bench_liquidsoap_wait STOP_EPOCH: waits for it, killing it 10 s after STOP_EPOCH.
bench_liquidsoap_wait() {
  local stop=$1 status=0
  while bench_alive "$LS_PID" && [ "$(date +%s)" -lt $(( stop + 10 )) ]; do sleep 0.5; done
  bench_alive "$LS_PID" && kill "$LS_PID" && echo "$BENCH_NAME: liquidsoap did not stop by itself; killed" >&2
  wait "$LS_PID" || status=$?
  [ "$status" = 0 ] || echo "$BENCH_NAME: liquidsoap exited with status $status" >&2
  LS_PID=
}

# bench_alive PID: the process runs (a zombie does not count).
bench_alive() {
  local state
  state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2> /dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# bench_stats: reads numbers (one a line), prints "n median p95abs maxabs"
# (median signed; p95 and max of the absolute values); "0 - - -" if none.
bench_stats() {
  local data n med p95 max
  data=$(cat)
  [ -n "$data" ] || { echo "0 - - -"; return; }
  read -r n med < <(printf '%s\n' "$data" | sort -g | awk '{ v[NR] = $1 }
    END { printf "%d %.2f\n", NR, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  read -r p95 max < <(printf '%s\n' "$data" | awk '{ print ($1 < 0 ? -$1 : $1) }' | sort -g |
    awk '{ a[NR] = $1 } END { k = int(0.95 * NR + 0.999999); if (k < 1) k = 1
                               printf "%.2f %.2f\n", a[k], a[NR] }')
  echo "$n $med $p95 $max"
}

# Process figures from /proc: CPU seconds (utime + stime) and VmHWM / VmRSS in kB.
proc_cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$1/stat"
}
proc_status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
proc_fds() { ls "/proc/$1/fd" 2> /dev/null | wc -l; }

# bench_hogs N: starts N busy loops; their pids in HOG_PIDS.
HOG_PIDS=()
bench_hogs() {
  local i
  for ((i = 0; i < $1; i++)); do (while :; do :; done) & HOG_PIDS+=($!); done
}
bench_stop_hogs() {
  local p
  for p in "${HOG_PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${HOG_PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
  HOG_PIDS=()
}
