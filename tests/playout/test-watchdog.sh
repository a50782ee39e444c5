#!/usr/bin/env bash
# Integration: the daemon under systemd's notification protocol, with a
# socket of the test standing in for systemd. It must send READY=1 and a
# STATUS, pet the watchdog (WATCHDOG_USEC=1 s: a ping at least every 0.5 s)
# while its loop is healthy, stop petting while the loop is stalled (a test
# hook blocks it for 3 s, as a deadlock would: systemd would kill and restart
# it), and say STOPPING=1 at the end.
set -u
. "$(dirname "$0")/test-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cat > loa.cfg <<EOT
station = { id = "watchdog-test"; };
database = "loa.db";
library = "library";
control_socket = "$work/control";
lines = ( { id = "a"; output = "null"; } );
EOT
"$LOA" --config loa.cfg init > /dev/null || exit 1
"$LISTEN" "$work/notify" 12 > notify.log &
listener=$!
sleep 0.3
start=$(date +%s)
NOTIFY_SOCKET=$work/notify WATCHDOG_USEC=1000000 LOA_TEST_STALL="$((start + 4)) 3" \
  "$LOA" --config loa.cfg run --for 9 2> run.log || bad "loa run"
wait $listener
cat notify.log | cut -c1-80 | head -40
grep -q ' READY=1' notify.log && ok "READY=1" || bad "no READY=1"
grep -q ' STATUS=' notify.log && ok "STATUS" || bad "no STATUS"
grep -q ' STOPPING=1' notify.log && ok "STOPPING=1" || bad "no STOPPING=1"
# The longest silence between two watchdog pings: the stall (about 3 s);
# the second longest: a healthy interval (at most about 0.5 s).
awk '/WATCHDOG=1/ { if (last) print $1 - last; last = $1 }' notify.log | sort -n | tail -2 > gaps
echo "longest gaps between pings (ms): $(tr '\n' ' ' < gaps)"
longest=$(tail -1 gaps) second=$(head -1 gaps)
[ "${longest:-0}" -ge 2500 ] && ok "no ping while the loop was stalled (${longest} ms)" || bad "pings went on through the stall (longest gap ${longest:-none} ms)"
[ "${second:-99999}" -le 800 ] && ok "pings every half interval when healthy" || bad "healthy gap ${second:-none} ms"
[ "$(grep -c 'WATCHDOG=1' notify.log)" -ge 8 ] && ok "pinged after the stall again" || bad "too few pings"
[ $fail -ne 0 ] && cat run.log
exit $fail
