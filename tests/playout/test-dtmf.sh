#!/usr/bin/env bash
# Integration: a line switched in-band (driver "dtmf", FM receivers woken by an
# address code). Through the real daemon and the virtual card, the recording
# of the line must hold the on code *12# ending right before the program's
# first sample (the rendered code, gaps included, ends where the program
# starts; its last tone within 0.6 s of it), then the program,
# then the off code #0 after the post-roll; decoded back by GStreamer's
# dtmfdetect. The airing's row says "ok".
set -u
. "$(dirname "$0")/test-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cat > asoundrc <<EOT
pcm.loa_fm { type loavcard; file "$work/fm.wav" }
EOT
cat > loa.cfg <<EOT
station = { id = "dtmf-test"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without \`loa spot approve\`
loudness_normalize = false;  # exact sample values are checked
control_socket = "$work/control";
switching = { pre_roll_ms = 1500; post_roll_ms = 500; };
lines = ( { id = "fm"; output = "alsa:loa_fm";
            switch = { driver = "dtmf"; on = "*12#"; off = "#0"; }; } );
EOT
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || exit 1
"$DCWAV" program.wav 48000 2 1000 96000 && L spot add program.wav --id P --category news > /dev/null || bad "spot add"
T0=$(( $(date +%s) + 4 ))
echo "events = ( { at = \"$(local_time $T0)\"; lines = \"fm\"; play = \"P\"; } );" > schedule.cfg
L schedule load schedule.cfg > /dev/null || bad "schedule load"
ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$VCARD_CONF:$work/asoundrc" \
  L run --for $(( T0 + 6 - $(date +%s) )) 2> run.log || bad "loa run"
# digits FROM TO: the DTMF digits (10 = *, 11 = #) in seconds [FROM, TO) of the recording.
digits() {
  sox fm.wav -t wav "part.wav" trim "$1" "=$2" 2> /dev/null || { echo "sox failed"; return; }
  gst-launch-1.0 -m filesrc location=part.wav ! wavparse ! audioconvert ! audioresample ! \
    audio/x-raw,rate=8000,channels=1,format=S16LE ! dtmfdetect ! fakesink 2>&1 |
    grep -o 'dtmf-event, type=(int)1, number=(int)[0-9]*' | grep -o '[0-9]*$' | tr '\n' ' '
}
seconds=$(sox --i -D fm.wav)
read -r first frames < <("$ANALYZE" --segments-by-value --format tsv fm.wav | awk '$3 == 1000 { print $1, $2; exit }')
if [ -z "${first:-}" ]; then bad "no program in the recording"; cat run.log; exit 1; fi
start=$(awk -v f="$first" 'BEGIN { printf "%.3f", f / 48000 }')
end=$(awk -v f="$first" -v n="$frames" 'BEGIN { printf "%.3f", (f + n) / 48000 }')
echo "program at ${start}-${end} s of ${seconds} s"
all=$(digits 0 "$seconds"); echo "all digits: $all"
[ "$all" = "10 1 2 11 11 0 " ] && ok "on code *12#, then off code #0" || bad "digits: $all"
before=$(digits 0 "$(awk -v s="$start" 'BEGIN { print s - 0.05 }')")
[ "$before" = "10 1 2 11 " ] && ok "the whole on code is before the program" || bad "before the program: $before"
early=$(digits 0 "$(awk -v s="$start" 'BEGIN { print s - 0.6 }')")
[ "$early" != "10 1 2 11 " ] && ok "the code ends within 0.6 s of the program's first sample (by then: '$early')" ||
  bad "the whole code was over 0.6 s before the program"
after=$(digits "$end" "$seconds")
[ "$after" = "11 0 " ] && ok "the off code comes after the program" || bad "after the program: '$after'"
[ "$(sqlite3 loa.db "SELECT status || ' ' || switches FROM airings")" = "completed ok" ] &&
  ok "airing completed, switch ok in its row" || bad "row: $(sqlite3 loa.db 'SELECT status, switches FROM airings')"
[ $fail -ne 0 ] && cat run.log
exit $fail
