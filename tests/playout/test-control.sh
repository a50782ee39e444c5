#!/usr/bin/env bash
# Integration: the operator commands against the real daemon over its control
# socket (null outputs, times from the as-run log).
#   - status / lines / now / next show the station, the lines, what is on air;
#   - play --priority emergency cuts the spot on air (logged interrupted with
#     the reason) and is on air within a second of the command returning;
#   - play (priority) follows the spot on air; skip and stop end what is on
#     air (logged interrupted); bad requests get errors, not crashes;
#   - SIGHUP re-reads the configuration (a new station name and zone apply at
#     once) and the schedule; a change to the lines is refused (it takes a
#     restart) and the running configuration kept.
set -u
. "$(dirname "$0")/test-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cat > loa.cfg <<EOT
station = { id = "control-test"; name = "Đài phường An Hòa"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without \`loa spot approve\`
loudness_normalize = false;  # exact sample values are checked
control_socket = "$work/control";
zones = ( { id = "ca-hai"; lines = [ "a", "b" ]; } );
lines = ( { id = "a"; name = "Cụm loa A"; output = "null"; }, { id = "b"; output = "null"; } );
EOT
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || exit 1
"$DCWAV" long.wav 48000 2 1000 $(( 48000 * 30 )) && "$DCWAV" short.wav 48000 2 2000 48000 &&
  "$DCWAV" mid.wav 48000 2 3000 $(( 48000 * 4 )) || exit 1
L spot add long.wav --id LONG --title "Bản tin dài" --category news > /dev/null &&
  L spot add short.wav --id URGENT --title "Thông báo khẩn" --category announcement > /dev/null &&
  L spot add mid.wav --id MID --title "Bản tin giữa" --category news > /dev/null || bad "spots"
T0=$(( $(date +%s) + 3 ))
cat > schedule.cfg <<EOT
name = "lich-thu";
events = ( { at = "$(local_time $T0)"; lines = "all"; play = "LONG"; } );
EOT
L schedule load schedule.cfg > /dev/null || bad "schedule load"
"$LOA" --config loa.cfg run --for 25 2> run.log &
pid=$!
sleep $(( T0 - $(date +%s) + 2 ))

expect "status names the station and shows LONG on air" 0 'An Hòa.*|LONG' L status
expect "status --json" 0 '"on_air" *: *\{' L status --json
expect "lines" 0 'Cụm loa A' L lines
expect "now" 0 'LONG' L now --line a
expect "now of an unknown line" 2 'unknown line' L now --line nowhere
expect "play of an unknown spot" 2 '.' L play NOPE --lines a --priority emergency
expect "play of a zone that does not exist" 2 'zone' L play URGENT --zone nowhere --priority emergency

# Emergency on line a while LONG is on air.
L play URGENT --lines a --priority emergency > play.out 2>&1 || bad "play emergency: $(cat play.out)"
returned=$(date +%s%N)
cat play.out
sleep 2
# Priority on the zone: on b it follows LONG... which is still on air: skip it first.
L play URGENT --zone ca-hai > /dev/null 2>&1 || bad "play priority on a zone"
sleep 0.5
expect "skip b" 0 'LONG' L skip b
sleep 2
# SIGHUP during an airing (MID, 4 s, on b): a new station name and a new
# zone apply at once, and MID plays on to its end.
L play MID --lines b > /dev/null 2>&1 || bad "play MID"
# It follows what is on air on b (slower builds: wait for it, up to 3 s).
for _ in 1 2 3 4 5 6; do L now --line b 2>&1 | grep -q MID && break; sleep 0.5; done
expect "MID on air on b before SIGHUP" 0 'MID' L now --line b
sed -i 's/Đài phường An Hòa/Đài phường An Hòa (mới)/; s/zones = ( /zones = ( { id = "chi-a"; lines = [ "a" ]; }, /' loa.cfg
kill -HUP $pid
sleep 1
expect "the new station name after SIGHUP" 0 'An Hòa \(mới\)' L status
expect "the new zone after SIGHUP" 0 '.' L play URGENT --zone chi-a
# A change to a line's output takes a restart: refused, the running one kept.
sed -i 's/{ id = "b"; output = "null"; }/{ id = "b"; output = "file:x.wav"; }/' loa.cfg
expect "reload over the socket" 0 'lich-thu' L reload
expect "stop of a line with nothing on air" 0 '' L stop a
wait $pid; rc=$?; [ $rc -eq 0 ] && ok "daemon exit 0" || bad "daemon exit $rc"

sqlite3 -separator ' ' loa.db "SELECT id, line, spot_id, priority, status, started_at, reason FROM airings ORDER BY id" > rows
cat rows
grep -q '^[0-9]* a LONG normal interrupted .*emergency' rows && ok "LONG on a cut by the emergency, reason logged" || bad "LONG on a"
start=$(awk '$2 == "a" && $3 == "URGENT" && $4 == "emergency" { print $6; exit }' rows)
if [ -n "$start" ]; then
  delay=$(( (start - returned) / 1000000 ))
  echo "emergency on air $delay ms after loa play returned"
  [ $delay -lt 1000 ] && ok "emergency on air within 1 s of the command" || bad "emergency took $delay ms"
else
  bad "no emergency airing on a"
fi
grep -q '^[0-9]* b LONG normal interrupted .*skipped by the operator' rows && ok "skip logged with its reason" || bad "skip on b"
grep -q '^[0-9]* b URGENT priority completed' rows && ok "priority play on the zone aired on b" || bad "priority on b"
grep -q '^[0-9]* b MID priority completed' rows && ok "the airing on air during SIGHUP completed" || bad "MID: $(grep MID rows)"
# At start, on SIGHUP and on the reload command.
[ "$(grep -c 'schedule #1 in use' run.log)" -eq 3 ] && ok "SIGHUP and reload re-read the schedule" ||
  bad "schedule read $(grep -c 'schedule #1 in use' run.log) times, expected 3"
grep -q "configuration .*loa.cfg read again" run.log && ok "the configuration was read again on SIGHUP" ||
  bad "configuration not read again"
grep -q "loa.cfg changes lines, outputs.*takes a restart" run.log && ok "a change to the lines is refused on reload" ||
  bad "structural change not reported"
[ $fail -ne 0 ] && cat run.log
exit $fail
