#!/usr/bin/env bash
# The operator commands (status, now, next, skip, play, stop, reload) over a
# real control socket, against the stand-in daemon (control-server.c) that
# answers in the documented shapes and records what it was sent.
# Usage: test-commands.sh WORKDIR   (env: LOA, CONTROL_SERVER)
set -uo pipefail
. "$(dirname "$0")/../playout/test-lib.sh"

dir=$1
rm -rf "$dir"; mkdir -p "$dir"
export LC_ALL=C.UTF-8 LANG=C.UTF-8
cat > "$dir/loa.cfg" <<CFG
station = { id = "cai-khe"; };
database = "$dir/loa.db";
control_socket = "$dir/control";
lines = ( { id = "an-hoa"; output = "null"; }, { id = "cai-khe"; output = "null"; } );
CFG
export LOA_CONFIG=$dir/loa.cfg
requests=$dir/requests.log

# No daemon yet: a clear message naming the socket, exit 1.
expect "status without a daemon" 1 "$dir/control: cannot reach the daemon" "$LOA" status

"$CONTROL_SERVER" "$dir/control" > "$requests" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do [ -S "$dir/control" ] && break; sleep 0.1; done

expect "status shows the line on air" 0 "an-hoa +attt-01 — Bản tin an toàn thông tin +0:12 / 1:23" "$LOA" status
expect "status shows the next airing" 0 "18:30:00 attt-02|2030-01-01 18:30:00 attt-02" "$LOA" status
expect "status shows switch and level" 0 "on +-18 dBFS" "$LOA" status
expect "status shows a switch error" 0 "cai-khe, .*relay 2 did not answer" "$LOA" status
expect "status shows the schedule" 0 "Schedule: lich-thang-7" "$LOA" status
expect "status shows the clock" 0 "Clock: +(synchronized|NOT synchronized)" "$LOA" status
expect "status --json is the daemon's answer plus the clock" 0 '"synchronized"' "$LOA" status --json
"$LOA" status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["lines"][0]["on_air"]["spot"]=="attt-01"' \
  && ok "status --json parses" || bad "status --json is not the JSON answer"

expect "now" 0 "an-hoa +attt-01" "$LOA" now
expect "next 3" 0 "attt-02" "$LOA" next 3
grep -q '"cmd":"next","count":3' "$requests" && ok "next sends its count" || bad "next did not send count 3"
expect "next 0 is bad usage" 2 "1 to 100" "$LOA" next 0
expect "next abc is bad usage" 2 "1 to 100" "$LOA" next abc

expect "play emergency" 0 "Line an-hoa: attt-01 on air at .*18:01:00" \
  "$LOA" play attt-01 --lines an-hoa,cai-khe --priority emergency
grep -q '"cmd":"play","spot":"attt-01","priority":"emergency","lines":\["an-hoa","cai-khe"\]' "$requests" \
  && ok "play sends spot, priority and lines" || { bad "play request"; cat "$requests"; }
expect "play reports what it interrupted" 0 "interrupted attt-01" "$LOA" play attt-01 --zone ben-ninh-kieu
grep -q '"zone":"ben-ninh-kieu"' "$requests" && ok "play --zone is sent" || bad "play --zone not sent"
grep -q '"cmd":"play","spot":"attt-01","priority":"priority","zone"' "$requests" \
  && ok "play defaults to priority" || bad "play default priority"
expect "play without lines or zone" 2 "either --lines" "$LOA" play attt-01
expect "play with both" 2 "either --lines" "$LOA" play attt-01 --lines an-hoa --zone z
expect "play with a bad priority" 2 "priority" "$LOA" play attt-01 --lines an-hoa --priority urgent
expect "play with a bad line id" 2 "not a line id" "$LOA" play attt-01 --lines 'an hoa'
expect "play of an unknown spot" 2 "unknown spot 'nope'" "$LOA" play nope --lines an-hoa

expect "skip" 0 "Line an-hoa: skipped attt-01" "$LOA" skip an-hoa
expect "skip of an unknown line" 2 "unknown line 'nowhere'" "$LOA" skip nowhere
expect "skip without a line" 2 "LINE" "$LOA" skip
expect "stop" 0 "Line an-hoa: 2 waiting play-now airings cancelled" "$LOA" stop an-hoa
expect "reload" 0 "Reloaded; schedule: lich-thang-8" "$LOA" reload
expect "--socket overrides the config" 1 "$dir/other: cannot reach" "$LOA" status --socket "$dir/other"

# --watch redraws every second until interrupted.
timeout -s INT 2.6 "$LOA" status --watch > "$dir/watch.out" 2>&1
screens=$(grep -o $'\033\\[H\033\\[2J' "$dir/watch.out" | wc -l)
if [ "$screens" -ge 2 ] && [ "$screens" -le 4 ]; then ok "status --watch redraws ($screens screens)"
else bad "status --watch drew $screens screens"; fi

kill $server; wait $server 2>/dev/null
[ ! -e "$dir/control" ] && ok "the socket file is gone after the server" || bad "socket file left behind"
expect "status after the daemon stopped" 1 "cannot reach the daemon" "$LOA" status
exit $fail
