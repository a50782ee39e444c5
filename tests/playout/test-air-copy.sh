#!/usr/bin/env bash
# Integration: a compressed spot airs from its air copy (decoded once at
# ingest), not by decoding the supplied file again. An air copy that was
# changed or removed does not take the spot off the air: the library file,
# still checked against its own hash, airs instead and the log says why.
# Only when the library file is unusable too does the airing fail.
set -u
. "$(dirname "$0")/test-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cat > loa.cfg <<EOT
station = { id = "air-copy-test"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without \`loa spot approve\`
control_socket = "$work/control";
lines = ( { id = "a"; output = "null"; }, { id = "b"; output = "null"; },
          { id = "c"; output = "null"; }, { id = "d"; output = "null"; } );
EOT
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || exit 1
# Four 1 s Vorbis spots, each its own tone so each is a different file.
freq=300
for id in INTACT CHANGED GONE BOTH; do
  freq=$((freq + 100))
  gst-launch-1.0 -q audiotestsrc freq=$freq num-buffers=10 samplesperbuffer=4800 \
    ! audio/x-raw,rate=48000,channels=2 ! vorbisenc ! oggmux ! filesink location=$id.ogg ||
    bad "encode $id"
  L spot add $id.ogg --id $id --category news > /dev/null || bad "spot add $id"
done
air() { sqlite3 loa.db "SELECT air_file_name FROM spots WHERE id = '$1'"; }
for id in INTACT CHANGED GONE BOTH; do
  [ -n "$(air $id)" ] && [ -f "library/$(air $id)" ] || bad "$id has no air copy"
done
L spot show INTACT | grep -q "$(air INTACT)" && ok "spot show names the air copy" ||
  bad "spot show does not name the air copy"
# Same size, other bytes: only the hash can tell.
changed="library/$(air CHANGED)"
size=$(stat -c %s "$changed")
head -c "$size" /dev/urandom > "$changed.new" && mv "$changed.new" "$changed"
rm -f "library/$(air GONE)"
rm -f library/BOTH-*

T0=$(( $(date +%s) + 4 ))
cat > schedule.cfg <<EOT
events = ( { at = "$(local_time $T0)"; lines = "a"; play = "INTACT"; },
           { at = "$(local_time $T0)"; lines = "b"; play = "CHANGED"; },
           { at = "$(local_time $T0)"; lines = "c"; play = "GONE"; },
           { at = "$(local_time $T0)"; lines = "d"; play = "BOTH"; } );
EOT
L schedule load schedule.cfg > /dev/null || bad "schedule load"
L --verbose run --for $(( T0 + 3 - $(date +%s) )) 2> run.log || bad "loa run"
sqlite3 -separator ' ' loa.db "SELECT line, spot_id, status, samples, reason FROM airings ORDER BY line" > rows
cat rows
frames() { sqlite3 loa.db "SELECT frames FROM spots WHERE id = '$1'"; }
for id in INTACT CHANGED GONE; do
  row=$(grep " $id " rows)
  [ "$(awk '{ print $3, $4 }' <<< "$row")" = "completed $(frames $id)" ] &&
    ok "$id aired whole" || bad "$id: $row (spot has $(frames $id) frames)"
done
# Which file each branch read: the engine's debug line names it.
grep -q "$(air INTACT) released" run.log && ok "INTACT aired from its air copy" ||
  bad "INTACT did not air from its air copy"
grep -q "$(air INTACT) cannot air" run.log && bad "INTACT's air copy was refused" || ok "no warning for INTACT"
for id in CHANGED GONE; do
  lib=$(sqlite3 loa.db "SELECT file_name FROM spots WHERE id = '$id'")
  grep -q "$lib released" run.log && ok "$id aired from its library file" ||
    bad "$id did not air from its library file"
done
grep -q "$(air CHANGED) cannot air (file changed since approval)" run.log &&
  ok "the changed air copy is named in the log" || bad "no warning for CHANGED's air copy"
grep -q "$(air GONE) cannot air (file missing" run.log &&
  ok "the missing air copy is named in the log" || bad "no warning for GONE's air copy"
grep -q '^d BOTH failed 0 file missing' rows && ok "without either file the airing fails" ||
  bad "BOTH: $(grep ' BOTH ' rows)"
[ $fail -ne 0 ] && grep -v DEBUG run.log | tail -30
exit $fail
