#!/usr/bin/env bash
# Integration: a line's return monitored through the real daemon. The monitor
# input is ALSA's file plugin reading a FIFO that a live GStreamer pipeline
# fills in real time: with a tone on line a's return the airing's row says
# "present" with a loudness; with silence on line b's return it says "absent"
# and a dead-air alarm is raised while the spot is on air. Line c has no
# monitor: its own output level is watched, and a spot too quiet to be heard
# (-48 dBFS peak, under monitor_threshold_db) raises the alarm too; loa status
# shows each line's output level.
set -u
. "$(dirname "$0")/test-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
mkfifo ret-a ret-b || exit 1
cat > asoundrc <<EOT
pcm.ret_a { type file; slave.pcm "null"; file "/dev/null"; format "raw"; infile "$work/ret-a" }
pcm.ret_b { type file; slave.pcm "null"; file "/dev/null"; format "raw"; infile "$work/ret-b" }
EOT
cat > loa.cfg <<EOT
station = { id = "monitor-test"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without \`loa spot approve\`
loudness_normalize = false;  # exact sample values are checked
control_socket = "$work/control";
lines = ( { id = "a"; output = "null"; monitor = "alsa:ret_a"; },
          { id = "b"; output = "null"; monitor = "alsa:ret_b"; },
          { id = "c"; output = "null"; } );
EOT
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || exit 1
"$DCWAV" s.wav 48000 2 3000 $(( 48000 * 6 )) && L spot add s.wav --id S --category news > /dev/null || bad "spot"
sox -n -r 48000 -c 2 -b 16 quiet.wav synth 6 sine 1000 vol 0.004 &&
  L spot add quiet.wav --id Q --category news > /dev/null || bad "quiet spot"
# The returns: live sources pace the FIFOs in real time (S16LE stereo 48 kHz, as the monitor opens them).
feed() { # FIFO WAVE VOLUME
  gst-launch-1.0 -q audiotestsrc is-live=true wave="$2" volume="$3" freq=1000 ! \
    audio/x-raw,format=S16LE,rate=48000,channels=2 ! filesink location="$1" > /dev/null 2>&1 &
}
feed ret-a sine 0.2; fa=$!
feed ret-b silence 0; fb=$!
T0=$(( $(date +%s) + 4 ))
cat > schedule.cfg <<EOT
events = ( { at = "$(local_time $T0)"; lines = [ "a", "b" ]; play = "S"; },
           { at = "$(local_time $T0)"; lines = "c"; play = "Q"; } );
EOT
L schedule load schedule.cfg > /dev/null || bad "schedule load"
ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$work/asoundrc" \
  "$LOA" --config loa.cfg run --for $(( T0 + 8 - $(date +%s) )) 2> run.log &
daemon=$!
sleep "$(awk -v t=$((T0 + 2)) -v now="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", t - now }')"
L status --json > status.json 2>&1
wait $daemon || bad "loa run"
kill $fa $fb 2> /dev/null
sqlite3 -separator ' ' loa.db "SELECT line, status, monitor, ifnull(round(monitor_lufs), 'none') FROM airings ORDER BY line" > rows
cat rows
grep -q '^a completed present -[0-9]' rows && ok "line a: program present on its return, loudness measured" || bad "line a: $(grep '^a' rows)"
grep -q '^b completed absent ' rows && ok "line b: nothing on its return" || bad "line b: $(grep '^b' rows)"
grep -q "line 'b': DEAD AIR" run.log && ok "dead-air alarm raised for b" || bad "no dead-air alarm"
grep -q "line 'a': DEAD AIR" run.log && bad "dead-air alarm for a" || ok "no alarm for a"
# loa log shows the monitor's verdict and level (columns by name).
L log --format csv | tr -d '\r' | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  { print $c["line"], $c["monitor"], ($c["monitor_lufs"] != "" ? "level" : "none") }' > log-monitor
grep -q '^a present level$' log-monitor && grep -q '^b absent none$' log-monitor &&
  ok "loa log shows each airing's monitor verdict" || bad "loa log monitor columns: $(cat log-monitor)"
grep -q "line 'c': DEAD AIR: the output is silent" run.log && ok "dead-air alarm from c's own output level" ||
  bad "no output dead-air alarm for c"
# The status while airing: a's output level is the spot's (DC 3000: about -20.8 dBFS).
level_a=$(tr -d ' \n' < status.json | grep -o '"id":"a"[^}]*}*[^}]*"level_dbfs":-\?[0-9.]*' | grep -o 'level_dbfs":.*' | cut -d: -f2)
echo "status level of a: $level_a dBFS"
awk -v l="${level_a:-x}" 'BEGIN { exit !(l + 0 < -15 && l + 0 > -26) }' && ok "status shows a's output level" ||
  bad "status level of a: '$level_a'"
[ $fail -ne 0 ] && cat run.log
exit $fail
