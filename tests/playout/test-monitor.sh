#!/usr/bin/env bash
# Integration: a line's return monitored through the real daemon. The monitor
# input is ALSA's file plugin reading a FIFO that a live GStreamer pipeline
# fills in real time: with a tone on line a's return the airing's row says
# "present" with a loudness; with silence on line b's return it says "absent"
# and a dead-air alarm is raised while the spot is on air.
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
          { id = "b"; output = "null"; monitor = "alsa:ret_b"; } );
EOT
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || exit 1
"$DCWAV" s.wav 48000 2 3000 $(( 48000 * 6 )) && L spot add s.wav --id S --category news > /dev/null || bad "spot"
# The returns: live sources pace the FIFOs in real time (S16LE stereo 48 kHz, as the monitor opens them).
feed() { # FIFO WAVE VOLUME
  gst-launch-1.0 -q audiotestsrc is-live=true wave="$2" volume="$3" freq=1000 ! \
    audio/x-raw,format=S16LE,rate=48000,channels=2 ! filesink location="$1" > /dev/null 2>&1 &
}
feed ret-a sine 0.2; fa=$!
feed ret-b silence 0; fb=$!
T0=$(( $(date +%s) + 4 ))
echo "events = ( { at = \"$(local_time $T0)\"; lines = \"all\"; play = \"S\"; } );" > schedule.cfg
L schedule load schedule.cfg > /dev/null || bad "schedule load"
ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$work/asoundrc" \
  L run --for $(( T0 + 8 - $(date +%s) )) 2> run.log || bad "loa run"
kill $fa $fb 2> /dev/null
sqlite3 -separator ' ' loa.db "SELECT line, status, monitor, ifnull(round(monitor_lufs), 'none') FROM airings ORDER BY line" > rows
cat rows
grep -q '^a completed present -[0-9]' rows && ok "line a: program present on its return, loudness measured" || bad "line a: $(grep '^a' rows)"
grep -q '^b completed absent ' rows && ok "line b: nothing on its return" || bad "line b: $(grep '^b' rows)"
grep -q "line 'b': DEAD AIR" run.log && ok "dead-air alarm raised for b" || bad "no dead-air alarm"
grep -q "line 'a': DEAD AIR" run.log && bad "dead-air alarm for a" || ok "no alarm for a"
[ $fail -ne 0 ] && cat run.log
exit $fail
