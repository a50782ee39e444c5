#!/usr/bin/env bash
# `loa report` as a department official uses it, on the station of the
# hand-counted fixture (tests/fixtures/report-2019.txt, written through the
# real as-run log by test-airlog-report --make-station): every format, the
# BOM of the CSV, the exit codes (0 no quota missed, 1 a quota missed or a
# log that does not verify, 2 bad usage), bad arguments named, --to; then the
# city's side: the station's log exported, imported into an audit database
# with a second station that sent nothing, and `loa audit report`; the HTML
# pages rendered by headless Chromium to PNGs and DOM dumps.
# All of 2019 is over at the real time, so nothing is "in progress" here.
#
# Needs LOA, MAKE_STATION and FIXTURE; exits 77 (skipped) at the end if
# Chromium is missing, after everything else has run.
set -u
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
# expect DESCRIPTION EXIT_CODE PATTERN COMMAND...: exit code and output (stdout+stderr)
expect() {
  local what=$1 code=$2 pattern=$3; shift 3
  local output rc
  output=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$code" ]; then bad "$what: exit $rc, expected $code"; echo "$output"; return; fi
  if [ -n "$pattern" ] && ! grep -qE -- "$pattern" <<< "$output"; then
    bad "$what: output does not match /$pattern/"; echo "$output"; return
  fi
  ok "$what"
}

"$MAKE_STATION" --make-station "$FIXTURE" "$work" || { echo "FAIL: cannot build the station"; exit 1; }
L() { "$LOA" --config loa.cfg "$@"; }

expect "report --help documents the exit codes" 0 'Exit status: 0' L report --help
expect "report --help names the formats" 0 'csv \(UTF-8 with BOM' L report --help
expect "loa --help lists report" 0 'report ' "$LOA" --help

# Bad usage: exit 2, naming the value.
expect "month 13" 2 "month '2019-13' does not exist" L report --month 2019-13
expect "month without its zero" 2 "'2019-1' is not YYYY-MM" L report --month 2019-1
expect "year of two digits" 2 "year '19' is not YYYY" L report --year 19
expect "neither month nor year" 2 'give either --month' L report
expect "both month and year" 2 'give either --month' L report --month 2019-01 --year 2019
expect "unknown format" 2 "unknown format 'xml'" L report --month 2019-01 --format xml
expect "unexpected argument" 2 "unexpected argument 'extra'" L report --month 2019-01 extra
expect "unknown option" 2 'no-such-option' L report --no-such-option
expect "no station database" 1 'loa init' "$LOA" --config loa.cfg --db nowhere.db report --year 2019

# Exit codes from the numbers: January misses line b's second news item.
expect "January: a quota missed, exit 1" 1 'Result: a quota was missed in 1 period' \
  L report --month 2019-01
expect "the table names the station in Vietnamese" 1 'Đài truyền thanh phường Cái Khế' \
  L report --month 2019-01
expect "the table shows b's 1 of 2 news items" 1 '^b +attt/news ≥ 2 per month +1/2 ✗' \
  L report --month 2019-01
expect "the log verifies" 1 'As-run log: verified, 39 completed airings' L report --month 2019-01
expect "March: monthly quotas met, yearly one still open" 0 'no quota missed so far' \
  L report --month 2019-03
# A month verifies the chain from its own first row to the head, and says so;
# --verify-all walks all of it.
expect "March: the chain from March on" 0 'As-run log: verified from chain row [0-9]+ \(the period' \
  L report --month 2019-03
expect "--verify-all: the whole chain" 0 'As-run log: verified, 39 completed airings' \
  L report --month 2019-03 --verify-all
cp loa.db january-edited.db
sqlite3 january-edited.db "DROP TRIGGER airings_immutable_after_completion;
  UPDATE airings SET title = 'edited' WHERE spot_id = 'BAI-01' AND line = 'a';" || bad "tampering"
expect "a row before March is not walked for March" 0 'verified from chain row' \
  "$LOA" --config loa.cfg --db january-edited.db report --month 2019-03
expect "... but January's report finds it" 1 'DOES NOT VERIFY' \
  "$LOA" --config loa.cfg --db january-edited.db report --month 2019-01
expect "... and so does --verify-all" 1 'DOES NOT VERIFY' \
  "$LOA" --config loa.cfg --db january-edited.db report --month 2019-03 --verify-all
expect "the year: missed" 1 'quotas were missed in [0-9]+ periods' L report --year 2019
expect "a year without airings: missed" 1 'quotas were missed in 25 periods' L report --year 2018

# A station with only the monthly quotas meets them all in March.
sed '/^quotas = (/,/^);/d' loa.cfg > monthly.cfg
cat >> monthly.cfg <<'EOF2'
quotas = (
  { topic = "attt"; category = "article"; per = "month"; at_least = 1; },
  { topic = "attt"; category = "news"; per = "month"; at_least = 2; }
);
EOF2
expect "March: every quota met, exit 0" 0 'every quota met on every line' \
  "$LOA" --config monthly.cfg report --month 2019-03
sed '/^quotas = (/,/^);/d' loa.cfg > none.cfg
expect "no quotas configured: exit 0" 0 'No quotas are configured' \
  "$LOA" --config none.cfg report --year 2019

# CSV: UTF-8 with a BOM, CRLF, three tables.
L report --month 2019-01 --format csv > jan.csv; rc=$?
[ $rc -eq 1 ] && ok "csv exit 1 in January" || bad "csv exit $rc"
[ "$(head -c 3 jan.csv | od -An -tx1 | tr -d ' ')" = "efbbbf" ] && ok "csv starts with the UTF-8 BOM" \
  || bad "csv has no BOM: $(head -c 16 jan.csv | od -c | head -2)"
[ "$(grep -c $'\xef\xbb\xbf' jan.csv)" -eq 1 ] && ok "one BOM only" || bad "BOM repeated"
grep -q $'^a,Cụm loa Cái Khế,4,3,0,1,0,0,420.000\r$' jan.csv && ok "csv line a, Vietnamese name intact" \
  || { bad "csv line a"; cat jan.csv; }
grep -q $'^2019-01,b,attt,news,month,2,1,missed,1\r$' jan.csv && ok "csv quota row of line b" \
  || bad "csv quota row"
[ "$(grep -c $'^\r$' jan.csv)" -eq 2 ] && ok "csv: three tables" || bad "csv tables"
iconv -f UTF-8 -t UTF-8 jan.csv > /dev/null && ok "csv is valid UTF-8" || bad "csv not UTF-8"

# JSON: parsed by a real parser where there is one.
L report --year 2019 --format json > year.json; rc=$?
[ $rc -eq 1 ] && ok "json exit 1 for the year" || bad "json exit $rc"
if command -v python3 > /dev/null; then
  python3 - year.json <<'EOF2' && ok "json parses, numbers right" || bad "json content"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
assert r["station"]["name"] == "Đài truyền thanh phường Cái Khế", r["station"]
assert r["period"] == {"label": "2019", "kind": "year", "from": "2019-01-01T00:00:00.000+07:00",
                       "until": "2020-01-01T00:00:00.000+07:00"}, r["period"]
assert r["log"]["checked"] and r["log"]["verified"] and r["log"]["rows"] == 39, r["log"]
assert [l["id"] for l in r["lines"]] == ["a", "b", "c", "old"]
assert r["lines"][3]["configured"] is False and r["lines"][3]["quotas"] == []
t = r["station_totals"]
assert (t["airings"], t["completed"], t["interrupted"], t["failed"], t["missed"], t["on_air"]) \
    == (40, 35, 2, 1, 1, 1), t
assert t["airtime_seconds"] == 4430
# At the real time all of 2019 is over: b's April is missed, not in progress.
b = {(q["quota"], q["month"]): q for q in r["lines"][1]["quotas"]}
assert b[(0, 4)]["result"] == "missed" and b[(0, 4)]["shortfall"] == 1
assert b[(2, 0)] == {"quota": 2, "period": "2019", "month": 0, "required": 3, "counted": 1,
                     "result": "missed", "shortfall": 2}
assert r["result"] == "missed"
EOF2
else
  echo "note: python3 missing; JSON not parsed"
fi

# --to writes the file and says what it found.
expect "--to writes the page" 1 'report.html: report for 2019 written \(quotas missed' \
  L report --year 2019 --format html --to report.html
[ -s report.html ] && ok "report.html written" || bad "report.html missing"
expect "--to into a missing folder" 1 'no/such/dir/r.html' \
  L report --year 2019 --format html --to no/such/dir/r.html
expect "the month page" 0 '' L report --month 2019-03 --format html --to march.html

# A log that does not verify: edit a completed row behind Loa's back.
cp loa.db tampered.db
sqlite3 tampered.db "DROP TRIGGER airings_immutable_after_completion;
  UPDATE airings SET scheduled_at = scheduled_at + 1000000000 WHERE spot_id = 'BAI-03' AND line = 'b';" \
  || bad "tampering"
expect "a tampered log: exit 1, named" 1 'As-run log: DOES NOT VERIFY at airing #[0-9]+' \
  "$LOA" --config monthly.cfg --db tampered.db report --month 2019-03
expect "--no-verify skips the chain" 0 'As-run log: not verified' \
  "$LOA" --config monthly.cfg --db tampered.db report --month 2019-03 --no-verify
"$LOA" --config monthly.cfg --db tampered.db report --month 2019-03 --format html --to tampered.html
grep -q 'As-run log DOES NOT VERIFY' tampered.html && ok "the page says the log does not verify" \
  || bad "tampered page"

# The city's side: the station exports all it has, the city registers it and
# a second station that sent nothing, imports, and reports the year.
L init > /dev/null || bad "station key"
key=$(L key show --format csv | tail -n 1 | cut -d, -f3)
sleep 1; until=$(TZ=Asia/Ho_Chi_Minh date '+%Y-%m-%d %H:%M:%S')  # all rows completed before
expect "export the whole log" 0 '' L log export --from 2019-01-01 --until "$until" --to all.loa-bundle
mkdir -p nk && cat > nk/loa.cfg <<'EOF2'
station = { id = "q-ninh-kieu"; name = "Đài truyền thanh quận Ninh Kiều"; };
database = "loa.db";
library = "library";
lines = ( { id = "a"; output = "null"; } );
EOF2
"$LOA" --config nk/loa.cfg init > /dev/null || bad "second station"
nk_key=$("$LOA" --config nk/loa.cfg key show --format csv | tail -n 1 | cut -d, -f3)
A() { "$LOA" audit --audit-db city.db "$@"; }
expect "register the station" 0 '' A station add q-cai-khe --key "$key" --name "Đài truyền thanh phường Cái Khế"
expect "register a silent station" 0 '' A station add q-ninh-kieu --key "$nk_key" \
  --name "Đài truyền thanh quận Ninh Kiều"
expect "import" 0 '' A import all.loa-bundle
Q=(--quota attt/article/1 --quota attt/news/2 --quota pccc/announcement/3/year)
expect "audit report --help documents the exit codes" 0 'Exit status: 0' A report --help
expect "loa audit --help lists report" 0 'report ' "$LOA" audit --help
expect "city report: exit 1" 1 'Result: [0-9]+ quotas missed, 12 months of logs missing' \
  A report --year 2019 "${Q[@]}"
expect "city report names the stations in Vietnamese" 1 'Đài truyền thanh quận Ninh Kiều' \
  A report --year 2019 "${Q[@]}"
expect "city report: a month is not a year" 2 "year '2019-01' is not YYYY" A report --year 2019-01
expect "city report: a bad quota is named" 2 "quota 'attt/blog/1': category 'blog'" \
  A report --year 2019 --quota attt/blog/1
expect "city report: no year" 2 'give --year' A report
expect "city report: unknown format" 2 "unknown format 'pdf'" A report --year 2019 --format pdf
expect "city report: which database" 2 'which audit database' env -u LOA_AUDIT_DB "$LOA" audit report --year 2019
expect "city report: no such database" 2 'nothing.db' "$LOA" audit --audit-db nothing.db report --year 2019
A report --year 2019 "${Q[@]}" --format csv > city.csv
[ "$(head -c 3 city.csv | od -An -tx1 | tr -d ' ')" = "efbbbf" ] && ok "city csv starts with the BOM" \
  || bad "city csv has no BOM"
grep -q $'^q-ninh-kieu,Đài truyền thanh quận Ninh Kiều,missing,missing,' city.csv \
  && ok "city csv: the silent station's months are missing" || bad "city csv grid"
A report --year 2019 "${Q[@]}" --format json > city.json
if command -v python3 > /dev/null; then
  python3 - city.json <<'EOF2' && ok "city json: the imported year matches the station's own" || bad "city json"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
cr, nk = r["stations"]
assert (cr["id"], nk["id"]) == ("q-cai-khe", "q-ninh-kieu")
# The bundle carries every final row (the one still on air is not final).
assert (cr["bundles"], cr["rows"], cr["airings"], cr["completed"], cr["lines"]) == (1, 39, 39, 35, 4), cr
assert all(m["log"] == "full" for m in cr["months"]), cr["months"]
assert nk["bundles"] == 0 and all(m["result"] == "missing" for m in nk["months"])
assert r["missing"] == 12 and cr["result"] == "missed"
EOF2
fi
expect "city page" 1 'city.html: city report for 2019 written' \
  A report --year 2019 "${Q[@]}" --format html --to city.html

# The pages in a real browser: they load, the charts and the tables are
# there, the PNG (A4 at 150 dpi) is not blank.
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "SKIP: chromium is not installed (scripts/install-deps installs it)"
  [ $fail -eq 0 ] && exit 77 || exit 1
fi
browse() {
  local profile; profile=$(mktemp -d)
  timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --enable-logging=stderr --v=0 "$@"
  local rc=$?
  rm -rf "$profile"
  return $rc
}
for page in report march; do
  browse --screenshot="$work/$page.png" --window-size=1240,1754 "file://$work/$page.html" \
    > "$page.shot.log" 2>&1 || { bad "$page: chromium screenshot failed"; cat "$page.shot.log"; }
  browse --dump-dom "file://$work/$page.html" > "$page.dom.html" 2> "$page.dom.log" \
    || { bad "$page: chromium --dump-dom failed"; cat "$page.dom.log"; }
  # Console messages or failed loads are errors of the page.
  if grep -E 'CONSOLE|Failed to load|net::ERR_|Uncaught' "$page.shot.log" "$page.dom.log"; then
    bad "$page: the page logged errors"
  else
    ok "$page: loads without errors"
  fi
  grep -q '<svg id="quota-chart"' "$page.dom.html" && ok "$page: chart in the DOM" || bad "$page: no chart"
  grep -q '<table id="station-lines"' "$page.dom.html" && ok "$page: station table in the DOM" \
    || bad "$page: no station table"
  [ "$(grep -c '<table class="line-airings"' "$page.dom.html")" -ge 3 ] && ok "$page: a table per line" \
    || bad "$page: line tables"
  grep -q 'Cụm loa Thới Bình' "$page.dom.html" && ok "$page: Vietnamese text intact" \
    || bad "$page: Vietnamese text"
  size=$(stat -c %s "$page.png" 2> /dev/null || echo 0)
  [ "$size" -gt 60000 ] && ok "$page: PNG of $size bytes" || bad "$page: PNG too small ($size bytes)"
done
browse --screenshot="$work/city.png" --window-size=1240,1754 "file://$work/city.html" \
  > city.shot.log 2>&1 || { bad "city: chromium screenshot failed"; cat city.shot.log; }
browse --dump-dom "file://$work/city.html" > city.dom.html 2> city.dom.log \
  || { bad "city: chromium --dump-dom failed"; cat city.dom.log; }
if grep -E 'CONSOLE|Failed to load|net::ERR_|Uncaught' city.shot.log city.dom.log; then
  bad "city: the page logged errors"
else
  ok "city: loads without errors"
fi
[ "$(grep -c '<rect class="cell ' city.dom.html)" -eq 24 ] && ok "city chart: 2 stations x 12 months" \
  || bad "city chart cells"
grep -q '<table id="stations"' city.dom.html && ok "city: stations table in the DOM" || bad "city: no table"
size=$(stat -c %s city.png 2> /dev/null || echo 0)
[ "$size" -gt 40000 ] && ok "city: PNG of $size bytes" || bad "city: PNG too small ($size bytes)"
[ "$(grep -c '<rect class="bar ' report.dom.html)" -eq 24 ] && ok "24 bars: 12 months x 2 quotas" \
  || bad "bars in the year chart"
grep -q '<rect class="bar missed"' report.dom.html && ok "missed months drawn as missed" \
  || bad "no missed bar"

[ $fail -eq 0 ] && echo "all report CLI tests passed" || echo "SOME REPORT CLI TESTS FAILED"
exit $fail
