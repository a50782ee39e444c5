#!/usr/bin/env bash
# The commands that do not air (so run faster than real time) under valgrind:
# no invalid access, no use of uninitialised memory, no definite leak.
# The daemon itself is too slow under valgrind for real-time playout; it is
# covered by the sanitizer build instead.
set -u
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
supp=$(dirname "$0")/../valgrind.supp
vg() {
  valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
    --suppressions=/usr/share/glib-2.0/valgrind/glib.supp --suppressions="$supp" \
    "$LOA" --config loa.cfg "$@" > out.txt 2> err.txt
  local rc=$?
  if [ $rc -ne 0 ]; then echo "FAIL (exit $rc): loa $*"; cat err.txt; fail=1; else echo "ok: loa $*"; fi
}
fail=0
cat > loa.cfg <<'EOF2'
station = { id = "vg"; name = "Đài thử"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without `loa spot approve`
loudness_normalize = false;  # exact sample values are checked
lines = ( { id = "a"; output = "null"; }, { id = "b"; output = "null"; } );
EOF2
"$DCWAV" spot.wav 48000 2 1000 48000 || exit 1
printf 'events = ( { time = "06:00:00"; lines = "all"; play = [ "V1" ]; } );\n' > good.cfg
printf 'events = ( { at = "2026-02-30 06:00:00"; lines = [ "x" ]; play = [ "NOPE" ]; } );\n' > bad.cfg
printf 'not audio\n' > text.mp3

vg init
vg spot add spot.wav --id V1 --title "Thử" --category news
vg spot list --format json
vg spot show V1
vg schedule check good.cfg
vg schedule load good.cfg
vg schedule show --format json
vg log --format json
vg log verify
vg key show --format json
vg log export --from 2020-01-01 --until 2020-02-01 --to export.bundle
vg audit --audit-db audit.db station add vg --key "$(cat station.key.pub)"
vg audit --audit-db audit.db import export.bundle
vg audit --audit-db audit.db list
# Bad input must be refused cleanly too (expected exit 2, not a valgrind error).
valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
  --suppressions=/usr/share/glib-2.0/valgrind/glib.supp --suppressions="$supp" \
  "$LOA" --config loa.cfg spot add text.mp3 > /dev/null 2> err.txt
rc=$?; [ $rc -eq 2 ] && echo "ok: bad file refused cleanly" || { echo "FAIL: bad file exit $rc"; cat err.txt; fail=1; }
valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
  --suppressions=/usr/share/glib-2.0/valgrind/glib.supp --suppressions="$supp" \
  "$LOA" --config loa.cfg schedule check bad.cfg > /dev/null 2> err.txt
rc=$?; [ $rc -eq 2 ] && echo "ok: bad schedule refused cleanly" || { echo "FAIL: bad schedule exit $rc"; cat err.txt; fail=1; }
exit $fail
