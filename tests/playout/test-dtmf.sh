#!/usr/bin/env bash
# Integration: a line switched in-band (driver "dtmf", FM receivers woken by an
# address code). Through the real daemon, the recording of the line must hold
# the on code, then the program, then the off code after the post-roll,
# decoded back by GStreamer's dtmfdetect; the airing's row says "ok".
set -u
. "$(dirname "$0")/test-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cat > loa.cfg <<EOT
station = { id = "dtmf-test"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without \`loa spot approve\`
loudness_normalize = false;  # exact sample values are checked
control_socket = "$work/control";
switching = { pre_roll_ms = 1500; post_roll_ms = 500; };
lines = ( { id = "fm"; output = "file:$work/fm.wav";
            switch = { driver = "dtmf"; on = "*12#"; off = "#0"; }; } );
EOT
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || exit 1
sox -n -r 48000 -c 2 -b 16 program.wav synth 2 sine 300 vol 0.3 || exit 1
L spot add program.wav --id P --category news > /dev/null || bad "spot add"
T0=$(( $(date +%s) + 4 ))
echo "events = ( { at = \"$(local_time $T0)\"; lines = \"fm\"; play = \"P\"; } );" > schedule.cfg
L schedule load schedule.cfg > /dev/null || bad "schedule load"
L run --for $(( T0 + 4 - $(date +%s) )) 2> run.log || bad "loa run"
# The file: output's WAV header is not final when the daemon stops.
sox --ignore-length fm.wav fm-fixed.wav || bad "read the recording"
# Digits in order (10 = *, 11 = #), and where the program is between them.
gst-launch-1.0 -m filesrc location=fm-fixed.wav ! wavparse ! audioconvert ! audioresample ! \
  audio/x-raw,rate=8000,channels=1,format=S16LE ! dtmfdetect ! fakesink 2>&1 |
  grep -o 'dtmf-event, type=(int)1, number=(int)[0-9]*' | grep -o '[0-9]*$' | tr '\n' ' ' > digits
echo "digits: $(cat digits)"
[ "$(cat digits)" = "10 1 2 11 11 0 " ] && ok "on code *12# before, off code #0 after" || bad "digits: $(cat digits)"
[ "$(sqlite3 loa.db "SELECT status || ' ' || switches FROM airings")" = "completed ok" ] &&
  ok "airing completed, switch ok in its row" || bad "row: $(sqlite3 loa.db 'SELECT status, switches FROM airings')"
[ $fail -ne 0 ] && cat run.log
exit $fail
