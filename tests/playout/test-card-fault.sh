#!/usr/bin/env bash
# Integration: a 4-channel card shared by two stereo lines disappears
# mid-airing (the virtual card's fail_file): both lines' airings fail with the
# reason, the card is rebuilt with all its lines every 3 s, and once it is back
# both lines air again, each on its own channels; a line with its own card is
# undisturbed throughout.
#   T0    a: A1 (4 s), b: B1 (4 s), c: C1 (4 s)     card unplugged T0+1.5..T0+3.5
#   T0+9  a: A2 (1 s), b: B2 (1 s)
set -u
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/fault-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cat > asoundrc <<EOT
pcm.card4 { type loavcard; file "$work/card4.wav"; fail_file "$work/unplugged" }
pcm.solo { type loavcard; file "$work/solo.wav" }
EOT
fault_station card-fault '{ id = "a"; output = "alsa:card4"; channels = [1, 2]; },
          { id = "b"; output = "alsa:card4"; channels = [3, 4]; },
          { id = "c"; output = "alsa:solo"; }' || exit 1
fault_spots A1:1000:192000 B1:2000:192000 C1:3000:192000 A2:4000:48000 B2:5000:48000
fault_schedule 0:a:A1 0:b:B1 0:c:C1 9:a:A2 9:b:B2
fault_run; rc=$?
same() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: '$3', expected '$2'"; fi; }
same "loa run exits 0" 0 $rc
sqlite3 -separator ' ' loa.db "SELECT spot_id, status FROM airings ORDER BY id" > rows
cat rows
same "A1 failed with the card" "A1 failed" "$(grep '^A1 ' rows)"
same "B1 failed with the card" "B1 failed" "$(grep '^B1 ' rows)"
same "C1 on its own card undisturbed" "C1 completed" "$(grep '^C1 ' rows)"
same "A2 aired after the card came back" "A2 completed" "$(grep '^A2 ' rows)"
same "B2 aired after the card came back" "B2 completed" "$(grep '^B2 ' rows)"
[ "$(grep -c "is back on the air (alsa:card4)" run.log)" -eq 2 ] && ok "both lines back on the air" || bad "recovery messages"
# After the rebuild each line is still on its own channels (0-based 0-1 and 2-3).
for spec in 0:4000 1:4000 2:5000 3:5000; do
  ch=${spec%%:*} value=${spec#*:}
  "$ANALYZE" --channel "$ch" --segments-by-value --format tsv card4.wav | awk -v v="$value" '$3 == v' | grep -q . &&
    ok "channel $((ch + 1)) carries $value after the rebuild" || bad "channel $((ch + 1)) has no $value"
done
[ $fail -ne 0 ] && cat run.log
exit $fail
