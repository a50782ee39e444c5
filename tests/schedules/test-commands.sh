#!/usr/bin/env bash
# `loa schedule check|import` and `loa plan` as an operator uses them, on a
# real station database with real spots (no audio played): exit codes, every
# problem with file:line, a month of airings, the quota prediction naming the
# shortfall, a spreadsheet with Vietnamese text and broken rows.
set -u
here=$(cd "$(dirname "$0")/../playout" && pwd)
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
. "$here/test-lib.sh"

cat > loa.cfg <<'EOF2'
station = { id = "plan-test"; };
database = "loa.db";
library = "library";
lines = ( { id = "an-hoa"; output = "null"; }, { id = "cai-khe"; output = "null"; } );
zones = ( { id = "bac"; lines = [ "an-hoa" ]; } );
blackout = ( { name = "Quốc khánh"; date = "2026-09-02"; } );
quotas = ( { topic = "attt"; category = "article"; at_least = 1; },
           { topic = "attt"; category = "news"; at_least = 2; } );
EOF2
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || bad "init"
"$DCWAV" tin.wav 48000 1 500 48000 && "$DCWAV" bai.wav 48000 1 500 96000 || bad "dcwav"
for id in TIN-1 TIN-2; do
  L spot add tin.wav --id $id --topic attt --category news > /dev/null 2>&1 || bad "spot add $id"
done
L spot add bai.wav --id BAI-1 --topic attt --category article > /dev/null 2>&1 || bad "spot add BAI-1"
for id in TIN-1 TIN-2 BAI-1; do L spot approve $id > /dev/null 2>&1; done

cat > month.cfg <<'EOF2'
events = (
  { time = [ "05:30:00", "17:00:00" ]; days = [ "mon", "thu" ];
    from = "2026-11-01"; until = "2026-11-30";
    lines = "all"; one_of = ( "TIN-1", "TIN-2" ); },
  { at = "2026-11-20 06:00:00"; lines = "bac"; play = "BAI-1"; }
);
EOF2
expect "plan --file lists the month" 0 '2026-11-02 05:30:00 +an-hoa +TIN-1' \
  L plan --file month.cfg --from 2026-11-01 --until 2026-12-01
rows=$(L plan --file month.cfg --from 2026-11-01 --until 2026-12-01 --format csv | tail -n +2 | wc -l)
# Mondays 2,9,16,23,30 and Thursdays 5,12,19,26: 9 days x 2 sessions x 2 lines + 1
[ "$rows" -eq 37 ] && ok "37 airings in November" || bad "plan rows: $rows"
expect "plan --line" 0 '' L plan --file month.cfg --from 2026-11-01 --days 30 --line cai-khe
expect "plan json" 0 '"choice": "2/2"' L plan --file month.cfg --from 2026-11-01 --days 7 --format json
expect "quota shortfall named" 1 'line cai-khe: attt/article 0 of 1' \
  L plan --file month.cfg --quotas --month 2026-11
expect "quotas need --month" 2 'YYYY-MM' L plan --file month.cfg --quotas
expect "unknown line" 2 "unknown line 'x'" L plan --file month.cfg --line x

cat > bad.cfg <<'EOF2'
events = (
  { time = "06:00:00"; rrule = "FREQ=NEVER"; from = "2026-11-01"; lines = "an-hoa"; play = "TIN-1"; },
  { time = "06:00:00"; lines = "nowhere"; play = "NOPE"; },
  { at = "2026-11-31 06:00:00"; lines = "an-hoa"; play = "TIN-1"; }
);
EOF2
output=$(L schedule check bad.cfg 2>&1); rc=$?
[ $rc -eq 2 ] && ok "check exits 2 on errors" || bad "check exit $rc"
for pattern in "bad.cfg:2: RRULE 'FREQ=NEVER'" "bad.cfg:3: unknown line or zone 'nowhere'" \
               "bad.cfg:4: .*2026-11-31"; do
  grep -qE -- "$pattern" <<< "$output" && ok "reported: $pattern" || { bad "not reported: $pattern"; echo "$output"; }
done

printf '\xEF\xBB\xBFdate;time;lines;spots;priority;name\r\n28/11/2030;05:30;an-hoa cai-khe;TIN-1|BAI-1;;"Tin an toàn thông tin; sáng"\r\n' > lich.csv
expect "import" 0 'Wrote' L schedule import lich.csv -o imported.cfg
grep -q 'name = "Tin an toàn thông tin; sáng"' imported.cfg && ok "Vietnamese name kept" || bad "name: $(cat imported.cfg)"
expect "imported schedule checks" 0 "1 event, OK" L schedule check imported.cfg
printf 'date,time,lines,spots\n2026-11-28,05:30,an-hoa,TIN-1\n2026-02-30,99:00,x,TIN-1\n' > hong.csv
expect "broken row named" 2 'hong.csv:3: row 3: date' L schedule import hong.csv -o never.cfg
[ ! -e never.cfg ] && ok "nothing written" || bad "a half import was written"
exit $fail
