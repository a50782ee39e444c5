#!/usr/bin/env bash
# The `loa` command as an operator uses it: help and version, configuration
# and schedule errors reported with file:line and the right exit code, a
# rejected schedule leaving the loaded one in place, a schedule loaded while
# the daemon runs, SIGTERM and a crash in the middle of an airing.
# Lines use the "null" output (real-time, no sound card needed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
. "$here/test-lib.sh"

cat > loa.cfg <<'EOF2'
station = { id = "cli-test"; name = "Đài truyền thanh thử"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without `loa spot approve`
loudness_normalize = false;  # exact sample values are checked
lines = ( { id = "a"; output = "null"; }, { id = "b"; output = "null"; } );
EOF2
L() { "$LOA" --config loa.cfg "$@"; }

expect "--version" 0 '^loa [0-9]+\.[0-9]+' "$LOA" --version
expect "--help lists commands" 0 'schedule' "$LOA" --help
for cmd in init spot "spot add" "spot list" "spot show" schedule "schedule check" \
           "schedule load" "schedule show" run log; do
  expect "loa $cmd --help" 0 'Usage|usage' "$LOA" $cmd --help
done
expect "unknown command" 2 "unknown command 'frobnicate'" "$LOA" frobnicate
expect "missing config file" 2 'nope.cfg' "$LOA" --config nope.cfg spot list
expect "LOA_CONFIG is used" 2 'from-env.cfg' env LOA_CONFIG=from-env.cfg "$LOA" spot list

cat > broken.cfg <<'EOF2'
station = { id = "x"; colour = "blue"; };
lines = ( { id = "a"; output = "pulse:x"; },
          { id = "a"; output = "null"; } );
engine = { rate = 1; };
EOF2
expect "config errors name file:line, all at once" 2 \
  'broken.cfg:2: output .pulse:x.' "$LOA" --config broken.cfg spot list
output=$("$LOA" --config broken.cfg spot list 2>&1)
grep -q 'broken.cfg:3: line id .a. is used twice' <<< "$output" && ok "duplicate line reported" || bad "duplicate line not reported: $output"
grep -q 'broken.cfg:4: .engine.rate. is 1' <<< "$output" && ok "range error reported" || bad "range error not reported: $output"
printf 'station = { id = "x" ;\n' > syntax.cfg
expect "config syntax error with line" 2 'syntax.cfg:[0-9]+: ' "$LOA" --config syntax.cfg spot list

expect "commands need an initialised station" 1 "loa init" L spot list
expect "init" 0 'Initialised station .cli-test.' L init
expect "init again changes nothing" 0 'already initialised' L init
"$DCWAV" long.wav 48000 2 1000 240000 && "$DCWAV" short.wav 48000 1 500 48000 || bad "dcwav"
expect "spot add" 0 'LONG' L spot add long.wav --id LONG --title "Bài dài" --category article
expect "spot add 2" 0 'SHORT' L spot add short.wav --id SHORT --category news

cat > bad-schedule.cfg <<'EOF2'
events = (
  { at = "2026-02-30 06:00:00"; lines = [ "a" ]; play = [ "LONG" ]; },
  { time = "25:00:00"; lines = "all"; play = [ "LONG" ]; },
  { at = "2030-01-01 06:00:00"; lines = [ "nowhere" ]; play = [ "NOSUCH" ]; }
);
EOF2
output=$(L schedule check bad-schedule.cfg 2>&1); rc=$?
[ $rc -eq 2 ] && ok "schedule check exits 2 on errors" || bad "schedule check exit $rc"
for pattern in 'bad-schedule.cfg:2: .*2026-02-30' 'bad-schedule.cfg:3: .*25:00:00' \
               "bad-schedule.cfg:4: .*nowhere"; do
  grep -qE -- "$pattern" <<< "$output" && ok "reported: $pattern" || { bad "not reported: $pattern"; echo "$output"; }
done

now=$(date +%s)
cat > good.cfg <<EOF2
events = ( { at = "$(local_time $((now + 5)))"; lines = [ "a" ]; play = [ "LONG" ]; } );
EOF2
expect "schedule check ok" 0 '' L schedule check good.cfg
expect "schedule load" 0 'schedule #1' L schedule load good.cfg
expect "a bad schedule is refused" 2 'bad-schedule.cfg:2' L schedule load bad-schedule.cfg
expect "the loaded schedule stays" 0 'good.cfg' L schedule show

# The daemon airs LONG (5 s) on line a; a schedule loaded while it plays adds
# SHORT on line b; then SIGTERM in the middle of a third airing.
"$LOA" --config loa.cfg run --for 30 2> daemon.log &
daemon=$!
sleep 6
cat > second.cfg <<EOF2
events = (
  { at = "$(local_time $((now + 5)))"; lines = [ "a" ]; play = [ "LONG" ]; },
  { at = "$(local_time $((now + 9)))"; lines = [ "b" ]; play = [ "SHORT" ]; },
  { at = "$(local_time $((now + 12)))"; lines = [ "a" ]; play = [ "LONG" ]; }
);
EOF2
expect "load while running" 0 'schedule #2' L schedule load second.cfg
sleep $(( now + 14 - $(date +%s) ))
expect "the log is readable while the daemon runs" 0 'on-air' L log --format csv
kill -TERM $daemon; wait $daemon; rc=$?
[ $rc -eq 0 ] && ok "SIGTERM stops the daemon cleanly" || bad "daemon exit $rc after SIGTERM"
L log --format csv > log1.csv; cat log1.csv
[ "$(grep -c '^[0-9]*,a,LONG,.*,completed,' log1.csv)" -eq 1 ] && ok "first airing completed, undisturbed by the reload" || bad "first airing not completed"
grep -q '^[0-9]*,b,SHORT,.*,completed,' log1.csv && ok "airing from the reloaded schedule completed" || bad "reloaded schedule did not air"
grep -q '^[0-9]*,a,LONG,.*,interrupted,Loa was stopped' log1.csv && ok "airing cut by SIGTERM logged interrupted" || bad "SIGTERM airing not interrupted"

# A crash (SIGKILL) leaves an on-air row; the next start marks it interrupted.
now=$(date +%s)
cat > crash.cfg <<EOF2
events = ( { at = "$(local_time $((now + 4)))"; lines = [ "b" ]; play = [ "LONG" ]; } );
EOF2
L schedule load crash.cfg > /dev/null
"$LOA" --config loa.cfg run --for 30 2> crash.log &
daemon=$!
sleep 6
kill -KILL $daemon; wait $daemon 2> /dev/null
grep -q ',b,LONG,.*,on-air,' <(L log --format csv) && ok "crash leaves the row on-air" || bad "no on-air row after crash"
L run --for 1 2> restart.log
grep -q ',b,LONG,.*,interrupted,Loa stopped while this was on air' <(L log --format csv) &&
  ok "restart marks it interrupted" || { bad "restart did not recover the row"; L log --format csv; }
grep -q 'left on air' restart.log && ok "restart says so" || bad "restart silent about recovery"

# A spot whose library file vanished fails at air time with the reason; the
# next spot of the event takes its place at the scheduled time (no dead air).
"$DCWAV" gone.wav 48000 2 700 24000 && L spot add gone.wav --id GONE > /dev/null || bad "add GONE"
rm -f library/GONE-*
now=$(date +%s)
cat > vanish.cfg <<EOF2
events = ( { at = "$(local_time $((now + 4)))"; lines = [ "a" ]; play = [ "GONE", "SHORT" ]; } );
EOF2
L schedule load vanish.cfg > /dev/null
"$LOA" --config loa.cfg run --for 7 2> vanish.log
L log --format csv --from "$(local_time $((now + 4)))" > vanish.csv
cat vanish.csv
grep -q ',a,GONE,.*,failed,.*[Nn]o such file\|,a,GONE,.*,failed,.*not found\|,a,GONE,.*,failed,.*[Cc]ould not open' vanish.csv &&
  ok "missing file logged failed with the reason" || bad "missing file not logged failed"
grep -q ",a,SHORT,.*,$(TZ=Asia/Ho_Chi_Minh date -d "@$((now + 4))" '+%Y-%m-%dT%H:%M:%S').[0-9]*+07:00,.*,completed," vanish.csv &&
  ok "the next spot aired in its place, on time" || bad "the next spot did not take the slot"
[ "$(wc -l < vanish.csv)" -eq 3 ] && ok "--from filters the log" || bad "--from: $(wc -l < vanish.csv) lines"
[ "$(L log --format csv --until "$(local_time $((now + 4)))" | grep -c ',GONE,')" -eq 0 ] &&
  ok "--until filters the log" || bad "--until does not filter"

# A line whose sound card cannot be opened stays off the air, its airings
# logged failed; the other line still airs.
cat > partial.cfg <<'EOF2'
station = { id = "cli-test"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without `loa spot approve`
loudness_normalize = false;  # exact sample values are checked
lines = ( { id = "a"; output = "null"; }, { id = "dead"; output = "alsa:loa_no_such_pcm"; } );
EOF2
now=$(date +%s)
cat > partial-schedule.cfg <<EOF2
events = ( { at = "$(local_time $((now + 4)))"; lines = "all"; play = [ "SHORT" ]; } );
EOF2
"$LOA" --config partial.cfg schedule load partial-schedule.cfg > /dev/null || bad "load partial"
"$LOA" --config partial.cfg run --for 7 2> partial.log
grep -q "line 'dead' is off the air: .*loa_no_such_pcm" partial.log && ok "dead line reported with its device" || { bad "dead line not reported"; cat partial.log; }
"$LOA" --config partial.cfg log --format csv --from "$(local_time $((now + 4)))" > partial.csv
grep -q ',a,SHORT,.*,completed,' partial.csv && ok "the working line aired" || bad "working line did not air"
grep -q ',dead,SHORT,.*,failed,the line is off the air' partial.csv && ok "the dead line's airing logged failed" || { bad "dead line airing not logged"; cat partial.csv; }

# The hash chain over everything above verifies; a row edited behind Loa's
# back (triggers dropped) is named.
expect "log verify" 0 'as-run log verified: [0-9]+ rows, chain head [0-9a-f]{64}' L log verify
cp loa.db tampered.db
sqlite3 tampered.db "DROP TRIGGER airings_immutable_after_completion;
  UPDATE airings SET started_at = started_at + 1000000000 WHERE spot_id = 'SHORT' AND line = 'b';"
expect "log verify names the edited row" 1 'BROKEN at row 2 .*changed after completion' \
  "$LOA" --config loa.cfg --db tampered.db log verify

if [ $fail -ne 0 ]; then echo "--- daemon log"; cat daemon.log; fi
exit $fail
