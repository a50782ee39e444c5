# Shared by tests/playout/test-airing.sh and bench/start-accuracy: sets up a
# station on the virtual card (tests/vcard), ingests constant-value spots,
# schedules them a few seconds ahead, runs the real daemon and compares the
# recording with the schedule.
#
# Needs in the environment: LOA, DCWAV, ANALYZE, VCARD_CONF (see tests/playout.cmake).
# Spots: S1 = 1.5 s of 1000, S2 = 1.0 s of 2000, S3 = 0.5 s of 3000 (48 kHz stereo).
# Schedule (T0 = launch + lead):
#   line a: T0      S1 S2 (back to back)     line b: T0+1 s  S2 S3 (back to back)
#   line a: T0+4 s  S3

RATE=48000

# airing_setup WORK: station, virtual card, spots, database.
airing_setup() {
  local work=$1
  rm -rf "$work" && mkdir -p "$work" || return 1
  cat > "$work/asoundrc" <<EOT
pcm.loa_line_a { type loavcard; file "$work/line-a.wav" }
pcm.loa_line_b { type loavcard; file "$work/line-b.wav" }
EOT
  cat > "$work/loa.cfg" <<'EOT'
station = { id = "test-station"; name = "Đài thử nghiệm"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without `loa spot approve`
loudness_normalize = false;  # exact sample values are checked
lines = ( { id = "a"; name = "Line A"; output = "alsa:loa_line_a"; },
          { id = "b"; name = "Line B"; output = "alsa:loa_line_b"; } );
EOT
  "$DCWAV" "$work/s1.wav" $RATE 2 1000 72000 &&
  "$DCWAV" "$work/s2.wav" $RATE 2 2000 48000 &&
  "$DCWAV" "$work/s3.wav" $RATE 2 3000 24000 || return 1
  "$LOA" --config "$work/loa.cfg" init > /dev/null || return 1
  local i
  for i in 1 2 3; do
    "$LOA" --config "$work/loa.cfg" spot add "$work/s$i.wav" --id "S$i" \
      --title "Thử nghiệm $i" --category news --topic attt > /dev/null || return 1
  done
}

local_time() { TZ=Asia/Ho_Chi_Minh date -d "@$1" '+%Y-%m-%d %H:%M:%S'; }

# airing_run WORK LEAD: schedules and airs; sets T0 (epoch seconds).
airing_run() {
  local work=$1 lead=$2
  T0=$(( $(date +%s) + lead ))
  cat > "$work/schedule.cfg" <<EOT
events = (
  { at = "$(local_time $T0)"; lines = [ "a" ]; play = [ "S1", "S2" ]; },
  { at = "$(local_time $((T0 + 1)))"; lines = "b"; play = [ "S2", "S3" ]; },
  { at = "$(local_time $((T0 + 4)))"; lines = "a"; play = "S3"; }
);
EOT
  "$LOA" --config "$work/loa.cfg" schedule load "$work/schedule.cfg" > /dev/null || return 1
  local run_for=$(( T0 + 6 - $(date +%s) ))
  ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$VCARD_CONF:$work/asoundrc" \
    "$LOA" --config "$work/loa.cfg" run --for "$run_for" 2> "$work/run.log"
}

# airing_expect: line value scheduled_ns expected_frames, one per airing.
airing_expect() {
  local ns=000000000
  printf 'a 1000 %s 72000\na 2000 %s 48000\nb 2000 %s 48000\nb 3000 %s 24000\na 3000 %s 24000\n' \
    "$T0$ns" "$((T0 + 1))500000000" "$((T0 + 1))$ns" "$((T0 + 2))$ns" "$((T0 + 4))$ns"
}

# airing_measure WORK: one line per recorded segment: line value start_ns frames start_frame
airing_measure() {
  local work=$1 line
  for line in a b; do
    "$ANALYZE" --segments-by-value --format tsv "$work/line-$line.wav" |
      awk -v line=$line '{ print line, $3, $4, $2, $1 }' || return 1
  done
}
