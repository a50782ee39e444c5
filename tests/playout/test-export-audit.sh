#!/usr/bin/env bash
# A station's log on its way to the city, through the real `loa` binary:
# `loa init` makes the station key (0600, never replaced), `loa key show`
# prints it; the real daemon airs four spots on "null" lines; `loa log
# export` writes three consecutive bundles that link; `loa audit` registers
# the station and imports them (without any station config).
#
# Then the attacks, each detected and named: a row's time edited, a row
# deleted, two rows reordered, a spot hash changed — in the bundle text (the
# signature breaks) and in a copy of the station database exported with the
# station's own key (the chain breaks at that row) —, a bundle signed with
# another key, an old bundle replayed, a truncated bundle. A bundle from the
# future and one carrying another station's rows need content forged and
# re-signed with the station key: tests/airlog/test-audit.c makes those.
#
# Last, the station replaces its key (`loa key rotate`): the city registers
# the new key from the station's statement and imports bundles exported
# before and after the change; a statement signed by another key, a bundle
# signed by the new key before the city knows it and one exported after the
# change with the old key (the file moved aside) are refused by name.
#
# Needs LOA and DCWAV in the environment (tests/airlog.cmake).
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
. "$here/test-lib.sh"

cat > loa.cfg <<'EOF'
station = { id = "cli-test"; name = "Đài truyền thanh thử"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without `loa spot approve`
loudness_normalize = false;  # exact sample values are checked
lines = ( { id = "a"; output = "null"; }, { id = "b"; output = "null"; } );
engine = { prepare_seconds = 1; };
EOF
L() { "$LOA" --config loa.cfg "$@"; }

# --- the station key --------------------------------------------------------
expect "init creates the station key" 0 'key: .*station.key \(fingerprint [0-9a-f]{4} ' L init
[ "$(stat -c %a station.key)" = 600 ] && ok "the secret key is readable by its owner only" ||
  bad "station.key mode $(stat -c %a station.key)"
public=$(cat station.key.pub)
[ ${#public} -eq 44 ] && ok "the public key is beside it" || bad "station.key.pub: '$public'"
public_re=${public//+/\\+}  # base64's '+' in a regular expression
key_sum=$(sha256sum station.key)
expect "init again changes nothing" 0 'already initialised' L init
[ "$(sha256sum station.key)" = "$key_sum" ] && ok "init again keeps the key" || bad "init replaced the key"
expect "key show" 0 "Fingerprint: [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}" L key show
expect "key show prints the public key" 0 "Public key: +$public_re\$" L key show
expect "key show --format json" 0 "\"public_key\": \"$public_re\"" L key show --format json
expect "loa key --help" 0 'show' "$LOA" key --help

# --- airing (real daemon, null outputs) -------------------------------------
"$DCWAV" spot.wav 48000 2 1000 24000 || bad "dcwav"
L spot add spot.wav --id S --title "Cảnh giác lừa đảo" --category news --topic attt > /dev/null ||
  bad "spot add"
T0=$(( $(date +%s) + 3 ))
cat > schedule.cfg <<EOF
events = (
  { at = "$(local_time $T0)"; lines = [ "a", "b" ]; play = [ "S" ]; },
  { at = "$(local_time $((T0 + 2)))"; lines = [ "a" ]; play = [ "S" ]; },
  { at = "$(local_time $((T0 + 4)))"; lines = [ "b" ]; play = [ "S" ]; }
);
EOF
L schedule load schedule.cfg > /dev/null || bad "schedule load"
L run --for $(( T0 + 6 - $(date +%s) )) 2> run.log || bad "loa run"
while [ "$(date +%s)" -le $((T0 + 6)) ]; do sleep 0.2; done
completed=$(L log --format csv | grep -c ',completed,')
[ "$completed" -eq 4 ] && ok "four airings completed" || { bad "$completed airings completed"; cat run.log; }

# --- export ------------------------------------------------------------------
# P1: the two airings at T0, P2: the one at T0+2, P3: the one at T0+4.
bounds=("$(local_time $((T0 - 60)))" "$(local_time $((T0 + 1)))" "$(local_time $((T0 + 3)))" \
        "$(local_time $((T0 + 6)))")
export_period() { L log export --from "${bounds[$1]}" --until "${bounds[$2]}" "${@:3}"; }
expect "export P1" 0 'rows: +2 \(chain rows 1-2\)' export_period 0 1 --to p1.loa-bundle
expect "export P2" 0 'rows: +1 \(chain rows 3-3\)' export_period 1 2 --to p2.loa-bundle
expect "export P3" 0 'rows: +1 \(chain rows 4-4\)' export_period 2 3 --to p3.loa-bundle
expect "export all three periods at once" 0 'chain rows 1-4' export_period 0 3 --to all.loa-bundle
header() { sed -n "s/^$2: //p" "$1" | head -1; }
[ "$(header p1.loa-bundle head-after)" = "$(header p2.loa-bundle head-before)" ] &&
  [ "$(header p2.loa-bundle head-after)" = "$(header p3.loa-bundle head-before)" ] &&
  ok "consecutive bundles link: head after = next head before" || bad "bundles do not link"
[ "$(header p1.loa-bundle head-before)" = "0000000000000000000000000000000000000000000000000000000000000000" ] &&
  ok "the first bundle starts at the genesis" || bad "P1 head before"
[ "$(header p3.loa-bundle head-after)" = "$(L log verify | grep -oE '[0-9a-f]{64}')" ] &&
  ok "the last head after is the chain head 'loa log verify' prints" || bad "P3 head after"
[ "$(head -1 p1.loa-bundle)" = "loa-bundle/1" ] && grep -q "^public-key: $public$" p1.loa-bundle &&
  tail -1 p1.loa-bundle | grep -qE '^signature: [A-Za-z0-9+/]{86}==$' &&
  ok "bundle: format line, public key, signature last" || bad "bundle layout"
grep -q '^title=Cảnh giác lừa đảo$' p1.loa-bundle && ok "rows in canonical form, UTF-8" ||
  bad "canonical rows"

last_month=$(TZ=Asia/Ho_Chi_Minh date -d "$(TZ=Asia/Ho_Chi_Minh date +%Y-%m-01) -1 day" +%Y-%m)
this_month=$(TZ=Asia/Ho_Chi_Minh date +%Y-%m)
expect "export --month, default file name" 0 "Wrote cli-test-$last_month.loa-bundle" \
  L log export --month "$last_month"
[ -s "cli-test-$last_month.loa-bundle" ] && ok "the bundle is in the current folder" ||
  bad "no cli-test-$last_month.loa-bundle"
expect "a month still running is refused" 2 'not over yet' L log export --month "$this_month"
expect "export needs a period" 2 'either --month' L log export
expect "a bad month" 2 "'2026-13' is not a month" L log export --month 2026-13
expect "--month and --from together" 2 'either --month' \
  L log export --month "$last_month" --from 2020-01-01
expect "an unwritable destination" 1 'no-such-folder' \
  L log export --month "$last_month" --to no-such-folder/x.loa-bundle
[ -z "$(ls | grep -vE '\.(loa-bundle|cfg|wav|log|key|pub|db|db-wal|db-shm)$|^library$')" ] &&
  ok "no temporary file left behind" || bad "stray files: $(ls)"
chmod 644 station.key
expect "a secret key readable by others does not sign" 1 'chmod 600' \
  L log export --month "$last_month" --to refused.loa-bundle
chmod 600 station.key
[ ! -e refused.loa-bundle ] && ok "and no bundle is written" || bad "bundle written with an exposed key"

# --- the city ------------------------------------------------------------------
# `loa audit` needs no station configuration.
A() { env LOA_CONFIG=/nonexistent/loa.cfg "$LOA" audit --audit-db city.db "$@"; }
expect "import into no audit database" 2 'does not exist' A import p1.loa-bundle
expect "audit without --audit-db" 2 'which audit database' env LOA_CONFIG=/nonexistent "$LOA" audit list
expect "a malformed key is refused" 2 'not a public key' A station add cli-test --key nonsense
expect "register the station" 0 "Registered station 'cli-test'.*$(L key show --format csv | tail -1 | cut -d, -f4)" \
  A station add cli-test --key "$public" --name "Đài truyền thanh thử"
expect "register it twice" 2 'registered already' A station add cli-test --key "$public"
expect "import three bundles given out of order" 0 '3 imported, 0 refused' \
  A import p3.loa-bundle p1.loa-bundle p2.loa-bundle
expect "list shows them" 0 'cli-test .* 1 +4 +4 ' A list
[ "$(A list --format csv | grep -c '^cli-test,')" -eq 3 ] && ok "three bundles listed" || bad "list"
expect "LOA_AUDIT_DB names the database" 0 'cli-test' env LOA_AUDIT_DB=city.db "$LOA" audit list

# A fresh audit database with the station registered.
fresh_city() {
  rm -f city2.db city2.db-wal city2.db-shm
  "$LOA" audit --audit-db city2.db station add cli-test --key "$public" > /dev/null
}
C2() { "$LOA" audit --audit-db city2.db "$@"; }

# Tampering with the bundle text: the signature no longer holds.
sed '0,/^started_at=1/s/^started_at=1/started_at=2/' p1.loa-bundle > edited-time.loa-bundle
awk '/^row 2 /{skip=1} /^end$/{skip=0} !skip' p1.loa-bundle > deleted-row.loa-bundle
awk '/^row 1 /{r=1} /^row 2 /{r=2} /^end$/{r=0; printf "%s", second first} r==1{first=first $0 "\n"; next}
     r==2{second=second $0 "\n"; next} {print}' p1.loa-bundle > reordered.loa-bundle
sed '0,/^spot_sha256=/s/^spot_sha256=./spot_sha256=X/' p1.loa-bundle > spot-hash.loa-bundle
for attack in edited-time deleted-row reordered spot-hash; do
  cmp -s "$attack.loa-bundle" p1.loa-bundle && bad "$attack: the bundle was not changed"
  fresh_city
  expect "text attack '$attack' is refused" 1 'bad signature: .*changed after signing' \
    C2 import "$attack.loa-bundle"
done
[ "$(C2 list --format csv | grep -c '^cli-test,')" -eq 1 ] && ok "nothing of them was imported" ||
  bad "a refused bundle left rows"

# Tampering with a copy of the station database, exported with the
# station's own key: the signature holds, the chain names the row.
tamper() {
  local name=$1 sql=$2
  sqlite3 loa.db ".backup $name.db" &&
  sqlite3 "$name.db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type = 'trigger'" |
    sqlite3 "$name.db" && sqlite3 "$name.db" "$sql"
}
tamper edited-time "UPDATE airings SET started_at = started_at - 1000000000 WHERE chain_seq = 2" ||
  bad "tamper edited-time"
tamper deleted-row "DELETE FROM airings WHERE chain_seq = 3" || bad "tamper deleted-row"
tamper reordered "UPDATE airings SET chain_seq = -1 WHERE chain_seq = 1;
                  UPDATE airings SET chain_seq = 1 WHERE chain_seq = 2;
                  UPDATE airings SET chain_seq = 2 WHERE chain_seq = -1" || bad "tamper reordered"
tamper spot-hash "UPDATE airings SET spot_sha256 = 'XX' || substr(spot_sha256, 3) WHERE chain_seq = 4" ||
  bad "tamper spot-hash"
declare -A broken_at=([edited-time]=2 [deleted-row]=3 [reordered]=1 [spot-hash]=4)
for attack in edited-time deleted-row reordered spot-hash; do
  row=${broken_at[$attack]}
  expect "export of '$attack' warns at row $row" 1 "city will refuse this bundle: broken chain at row $row" \
    L --db "$attack.db" log export --from "${bounds[0]}" --until "${bounds[3]}" --to "db-$attack.loa-bundle"
  fresh_city
  expect "database attack '$attack' is refused at row $row" 1 "broken chain at row $row" \
    C2 import "db-$attack.loa-bundle"
done
expect "a deleted row is named as missing" 1 'row 4 stands in its place' C2 import db-deleted-row.loa-bundle

# Signed with another key: a copy of the config whose key is another one.
cat > thief.cfg <<'EOF'
station = { id = "cli-test"; name = "Đài truyền thanh thử"; key = "thief.key"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without `loa spot approve`
loudness_normalize = false;  # exact sample values are checked
lines = ( { id = "a"; output = "null"; }, { id = "b"; output = "null"; } );
EOF
expect "init creates a key missing from an initialised station" 0 'Created the missing station key' \
  "$LOA" --config thief.cfg init
"$LOA" --config thief.cfg log export --from "${bounds[0]}" --until "${bounds[1]}" \
  --to stolen.loa-bundle > /dev/null || bad "export with the thief key"
fresh_city
expect "a bundle signed with another key is refused" 1 'bad signature: signed with another key' \
  C2 import stolen.loa-bundle

# Replayed: the same bundle again, and one whose rows are in already.
expect "the same bundle again is a duplicate" 1 'duplicate: this bundle was imported already, as bundle #1' \
  A import p1.loa-bundle
expect "an old bundle replayed" 1 'replay: rows 1-4 were imported already' A import all.loa-bundle

# Truncated, anywhere.
size=$(stat -c %s p2.loa-bundle)
head -c $((size / 2)) p2.loa-bundle > half.loa-bundle
head -n -1 p2.loa-bundle > unsigned.loa-bundle
head -c $((size - 10)) p2.loa-bundle > cut-signature.loa-bundle
for cut in half unsigned cut-signature; do
  fresh_city
  expect "truncated bundle '$cut' is refused" 1 'truncated' C2 import "$cut.loa-bundle"
done

# Unknown station, not a bundle, no such file.
rm -f city3.db*
"$LOA" audit --audit-db city3.db station add o-mon --key "$public" > /dev/null
expect "a bundle of an unregistered station" 1 "unknown station 'cli-test'" \
  "$LOA" audit --audit-db city3.db import p1.loa-bundle
"$LOA" audit --audit-db city3.db station add cli-test --key "$public" > /dev/null
expect "not a bundle" 2 'not a Loa bundle' A import loa.cfg
expect "no such file" 2 'no-such.loa-bundle' A import no-such.loa-bundle
expect "a gap" 1 'gap after bundle #1' "$LOA" audit --audit-db city3.db import p1.loa-bundle p3.loa-bundle

# The city's database after all this: the three genuine bundles, whole.
expect "the audit database holds the three bundles" 0 '' A list
[ "$(A list --format csv | grep -c '^cli-test,')" -eq 3 ] && ok "still three bundles" || bad "list after attacks"

# ... and it verifies again, bundle by bundle; an edit behind Loa's back is named.
expect "audit verify --help documents the exit codes" 0 'Exit status: 0' A verify --help
expect "audit verify: all holds" 0 'audit database verified: 1 stations, 3 bundles' A verify
cp city.db city-edited.db
sqlite3 city-edited.db "DROP TRIGGER airings_immutable;
  UPDATE airings SET title = title || ' (sửa)' WHERE chain_seq = 2;" || bad "editing city.db"
expect "audit verify names the edited bundle" 1 'DOES NOT VERIFY: bundle #1 .*broken chain at row 2' \
  "$LOA" audit --audit-db city-edited.db verify

# --- replacing the station key -----------------------------------------------
# A city that has the first period, from the old key.
rm -f city4.db*
K() { "$LOA" audit --audit-db city4.db "$@"; }
K station add cli-test --key "$public" > /dev/null || bad "city4: station add"
expect "a bundle exported before the change imports" 0 '1 imported, 0 refused' K import p1.loa-bundle
old_fingerprint=$(L key show --format csv | tail -1 | cut -d, -f4)
expect "key rotate" 0 'New fingerprint: [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}' \
  L key rotate --to change.loa-key-change
changed=$(date +%s)
new_public=$(cat station.key.pub)
new_fingerprint=$(L key show --format csv | tail -1 | cut -d, -f4)
[ "$new_public" != "$public" ] && [ "$new_fingerprint" != "$old_fingerprint" ] &&
  ok "key show shows the new key" || bad "the key did not change: $new_public"
old_file=$(ls station.key.old-* 2> /dev/null | head -1)
[ -n "$old_file" ] && [ "$(stat -c %a "$old_file")" = 600 ] && grep -qxF "public: $public" "$old_file" &&
  ok "the old secret key is moved aside, readable by its owner only" || bad "old key file: '$old_file'"
[ "$(sqlite3 loa.db "SELECT public_key FROM station_keys")" = "$public" ] &&
  ok "the station database keeps the old public key" || bad "station_keys"
[ "$(head -1 change.loa-key-change)" = "loa-key-change/1" ] &&
  grep -qxF "old-key: $public" change.loa-key-change &&
  grep -qxF "new-key: $new_public" change.loa-key-change &&
  ok "the statement names the old and the new key" || bad "statement: $(cat change.loa-key-change)"
expect "a statement file is never written over" 2 'already there' L key rotate --to change.loa-key-change
[ "$(cat station.key.pub)" = "$new_public" ] && ok "and the key stays" || bad "the key changed again"

expect "export after the change, of a period before it" 0 'chain rows 3-3' \
  export_period 1 2 --to p2-new.loa-bundle
grep -qxF "public-key: $new_public" p2-new.loa-bundle && ok "it is signed with the new key" ||
  bad "p2-new public-key"
expect "a bundle signed by a key the city does not know yet is refused, naming it" 1 \
  "bad signature: signed with another key \(fingerprint $new_fingerprint\).*loa audit station key" \
  K import p2-new.loa-bundle
expect "station add does not add a key" 2 'registered already.*loa audit station key cli-test' \
  K station add cli-test --key "$new_public"

# The thief's key writes a statement for the station (in a copy of its database).
sqlite3 loa.db ".backup thief.db" || bad "thief.db"
"$LOA" --config thief.cfg --db thief.db key rotate --to thief.loa-key-change > /dev/null ||
  bad "thief's rotate"
expect "a statement signed by another key is refused" 1 \
  "not signed by the current key of station 'cli-test' \(fingerprint $old_fingerprint\)" \
  K station key cli-test --statement thief.loa-key-change
expect "a statement that is not one" 2 'not a valid key-change statement' \
  K station key cli-test --statement p1.loa-bundle
expect "the station's statement registers the new key" 0 "Registered key $new_fingerprint for station 'cli-test'" \
  K station key cli-test --statement change.loa-key-change
expect "... once" 2 'current key already' K station key cli-test --statement change.loa-key-change
expect "the bundle signed by the new key imports now" 0 '1 imported, 0 refused' K import p2-new.loa-bundle

# After the change, signed with the old key (its file moved aside): retired.
while [ "$(date +%s)" -le $((changed + 1)) ]; do sleep 0.2; done
sed "s|key = \"thief.key\"|key = \"$old_file\"|" thief.cfg > retired.cfg
late_until=$(local_time $((changed + 1)))
expect "export with the old key after the change" 0 'chain rows 4-4' \
  "$LOA" --config retired.cfg log export --from "${bounds[2]}" --until "$late_until" --to p3-retired.loa-bundle
expect "a bundle signed with a retired key is refused" 1 "signed with a retired key: key $old_fingerprint" \
  K import p3-retired.loa-bundle
expect "the same period signed with the new key" 0 'chain rows 4-4' \
  L log export --from "${bounds[2]}" --until "$late_until" --to p3-new.loa-bundle
expect "imports" 0 '1 imported, 0 refused' K import p3-new.loa-bundle
expect "audit verify holds with both keys" 0 'verified: 1 stations, 3 bundles' K verify
expect "list shows the current key" 0 "cli-test .*$new_fingerprint" K list

exit $fail
