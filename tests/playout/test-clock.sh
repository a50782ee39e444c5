#!/usr/bin/env bash
# A step of the wall clock while the daemon runs (simulated through the
# clock abstraction: LOA_TEST_WALL_OFFSET_FILE, see common/loa-time.h): the
# step is logged with its size, an airing whose time the step jumped over is
# logged missed (not played late), and a later airing starts at its time on
# the new wall clock. Lines use the "null" output.
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
. "$here/test-lib.sh"

cat > loa.cfg <<'EOF2'
station = { id = "clock-test"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without `loa spot approve`
loudness_normalize = false;  # exact sample values are checked
lines = ( { id = "a"; output = "null"; } );
EOF2
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null && "$DCWAV" short.wav 48000 2 500 48000 &&
  L spot add short.wav --id SHORT > /dev/null || { echo "FAIL: setup"; exit 1; }

echo 0 > offset
t0=$(date +%s)
cat > schedule.cfg <<EOF2
events = (
  { at = "$(local_time $((t0 + 6)))"; lines = [ "a" ]; play = [ "SHORT" ]; },
  { at = "$(local_time $((t0 + 12)))"; lines = [ "a" ]; play = [ "SHORT" ]; }
);
EOF2
L schedule load schedule.cfg > /dev/null || bad "load"
LOA_TEST_WALL_OFFSET_FILE=$work/offset "$LOA" --config loa.cfg run --for 12 2> daemon.log &
daemon=$!
sleep $(( t0 + 2 - $(date +%s) ))
echo 5000000000 > offset.new && mv offset.new offset   # the wall clock jumps 5 s ahead
wait $daemon || bad "daemon exit"
cat daemon.log
L log --format csv > log.csv
cat log.csv

grep -q 'wall clock stepped by +5.0' daemon.log && ok "the step is logged with its size" ||
  bad "step not logged"
grep -q ",a,SHORT,.*,$(local_time $((t0 + 6)) | tr ' ' T).000+07:00,,,,0,missed," log.csv &&
  ok "the airing the step jumped over is logged missed" || bad "jumped-over airing not missed"
want=$(local_time $((t0 + 12)) | tr ' ' T)
grep -q ",a,SHORT,.*,$want.000+07:00,$want.[0-9]*+07:00,.*,completed," log.csv &&
  ok "the later airing starts at its time on the new clock" || bad "later airing not on time"

# A step while an airing is already prepared (placed on the engine, which
# converted its wall time with the old clock): it is placed again and starts
# at its wall time on the new clock, not 1 s early.
echo 0 > offset
t1=$(date +%s)
cat > schedule2.cfg <<EOF2
events = ( { at = "$(local_time $((t1 + 6)))"; lines = [ "a" ]; play = [ "SHORT" ]; } );
EOF2
L schedule load schedule2.cfg > /dev/null || bad "load 2"
LOA_TEST_WALL_OFFSET_FILE=$work/offset "$LOA" --config loa.cfg run --for 9 2> daemon2.log &
daemon=$!
sleep "$(awk -v t=$((t1 + 4)) -v now="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", t + 0.5 - now }')"
echo -1000000000 > offset.new && mv offset.new offset   # the wall clock steps 1 s back
wait $daemon || bad "daemon exit 2"
cat daemon2.log
grep -q 'wall clock stepped by -1.0' daemon2.log && ok "the backward step is logged" || bad "backward step not logged"
late_ms=$(sqlite3 loa.db "SELECT (started_at - scheduled_at) / 1000000 FROM airings
                          WHERE scheduled_at = ${t1}000000000 + 6000000000 AND status = 'completed'")
echo "prepared airing after the step: started $late_ms ms after its time"
[ -n "$late_ms" ] && [ "${late_ms#-}" -lt 50 ] &&
  ok "the prepared airing starts at its time on the new clock" || bad "prepared airing off by '$late_ms' ms"
exit $fail
