#!/usr/bin/env bash
# Integration: never dead air because of a file. A spot whose library file
# vanished is logged failed at its time with the reason, and the station's
# filler spot airs in its place; a spot that fails in the middle of an event
# is followed by the event's next spot, not by the filler.
set -u
. "$(dirname "$0")/test-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cat > loa.cfg <<EOT
station = { id = "filler-test"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without \`loa spot approve\`
loudness_normalize = false;  # exact sample values are checked
control_socket = "$work/control";
filler = "FILL";
lines = ( { id = "a"; output = "null"; }, { id = "b"; output = "null"; } );
EOT
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || exit 1
for s in FILL:7000 GONE:1000 GONE2:2000 NEXT:3000; do
  "$DCWAV" "${s%%:*}.wav" 48000 2 "${s#*:}" 48000 &&
    L spot add "${s%%:*}.wav" --id "${s%%:*}" --category news > /dev/null || bad "spot $s"
done
rm -f library/GONE-* library/GONE2-*
T0=$(( $(date +%s) + 4 ))
cat > schedule.cfg <<EOT
events = ( { at = "$(local_time $T0)"; lines = "a"; play = "GONE"; },
           { at = "$(local_time $T0)"; lines = "b"; play = [ "GONE2", "NEXT" ]; } );
EOT
L schedule load schedule.cfg > /dev/null || bad "schedule load"
L run --for $(( T0 + 3 - $(date +%s) )) 2> run.log || bad "loa run"
sqlite3 -separator ' ' loa.db "SELECT line, spot_id, status, event_ref, (started_at - scheduled_at) / 1000000 FROM airings ORDER BY id" > rows
cat rows
grep -q '^a GONE failed ' rows && ok "the vanished spot is logged failed" || bad "GONE not failed"
grep -q "No such file" <<< "$(sqlite3 loa.db "SELECT reason FROM airings WHERE spot_id = 'GONE'")" &&
  ok "with the reason" || bad "reason: $(sqlite3 loa.db "SELECT reason FROM airings WHERE spot_id = 'GONE'")"
row=$(grep '^a FILL ' rows)
[ -n "$row" ] && [ "$(awk '{ print $3, $4 }' <<< "$row")" = "completed filler" ] &&
  ok "the filler aired in its place" || bad "filler: $row"
grep -q '^b NEXT completed ' rows && ok "on line b the event's next spot took the slot" || bad "NEXT"
grep -q '^b FILL' rows && bad "the filler aired on b although the event went on" || ok "no filler on b"
[ $fail -ne 0 ] && cat run.log
exit $fail
