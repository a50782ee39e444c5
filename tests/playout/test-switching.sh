#!/usr/bin/env bash
# Integration: line switches through the real daemon. Line a is switched by
# the `command` driver (a script that logs each call with its time), line b by
# a Modbus relay board that is not there (a closed port).
#   - a is switched on pre_roll before its airing's first sample and off
#     post_roll after its last; its log row says "ok";
#   - b's airing still airs, its row names the switch failure;
#   - everything is switched off when the daemon stops (fail-safe).
set -u
. "$(dirname "$0")/test-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cat > relay <<'EOT'
#!/bin/sh
echo "$1 $2 $(date +%s%N)" >> "$(dirname "$0")/relay.log"
EOT
chmod +x relay
# A port nothing listens on.
port=$(( 20000 + RANDOM % 20000 ))
cat > loa.cfg <<EOT
station = { id = "switch-test"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without \`loa spot approve\`
loudness_normalize = false;  # exact sample values are checked
control_socket = "$work/control";
switching = { pre_roll_ms = 1000; post_roll_ms = 1500; timeout_ms = 300;
              command = "$work/relay";
              modbus = ( { id = "rack"; address = "tcp:127.0.0.1:$port"; } ); };
lines = ( { id = "a"; output = "null"; switch = { driver = "command"; }; },
          { id = "b"; output = "null"; switch = { driver = "modbus"; board = "rack"; coil = 2; }; } );
EOT
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || exit 1
"$DCWAV" s.wav 48000 2 1000 48000 && L spot add s.wav --id S --category news > /dev/null || bad "spot"
T0=$(( $(date +%s) + 4 ))
cat > schedule.cfg <<EOT
events = ( { at = "$(local_time $T0)"; lines = [ "a", "b" ]; play = "S"; } );
EOT
L schedule load schedule.cfg > /dev/null || bad "schedule load"
L run --for $(( T0 + 5 - $(date +%s) )) 2> run.log
same() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: '$3', expected '$2'"; fi; }
same "loa run exits 0" 0 $?
cat relay.log
sqlite3 -separator ' ' loa.db "SELECT line, status, started_at, ended_at, switches FROM airings" > rows
cat rows
same "both lines aired" 2 "$(grep -c ' completed ' rows)"
row_a=$(grep '^a ' rows)
same "line a's switch result in its row" ok "$(awk '{ print $5 }' <<< "$row_a")"
grep -q '^b completed .*failed: .*127.0.0.1' rows && ok "line b's row names the failed board" || bad "line b's switch result: $(grep '^b ' rows)"
started=$(awk '{ print $3 }' <<< "$row_a"); ended=$(awk '{ print $4 }' <<< "$row_a")
# The first on/off are the fail-safe all-off at start: take the on, then the off after it.
on=$(awk '$1 == "on" && $2 == "a" { print $3; exit }' relay.log)
off=$(awk -v on="$on" '$1 == "off" && $2 == "a" && $3 > on { print $3; exit }' relay.log)
if [ -n "$on" ] && [ -n "$off" ]; then
  pre=$(( (started - on) / 1000000 )); post=$(( (off - ended) / 1000000 ))
  echo "switched on $pre ms before the first sample, off $post ms after the last"
  [ $pre -ge 900 ] && [ $pre -le 1300 ] && ok "pre-roll about 1000 ms" || bad "pre-roll $pre ms"
  [ $post -ge 1400 ] && [ $post -le 1900 ] && ok "post-roll about 1500 ms" || bad "post-roll $post ms"
else
  bad "no on/off of line a in relay.log"
fi
[ "$(awk '$1 == "off" && $2 == "a"' relay.log | wc -l)" -ge 2 ] && ok "switched off at start (fail-safe) and after" || bad "offs: $(cat relay.log)"
[ $fail -ne 0 ] && cat run.log
exit $fail
