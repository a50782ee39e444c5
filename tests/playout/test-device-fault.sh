#!/usr/bin/env bash
# Integration: a sound card that disappears mid-airing (the virtual card's
# fail_file, ENODEV from then on) fails the airing on air with the reason, its
# line's next airing is logged failed while the card is gone, the other line
# airs undisturbed, and the line comes back by itself once the card returns.
#   T0    line a: A1 (4 s) ; line b: B1 (4 s)      card a unplugged at T0+1.5
#   T0+4  line a: A2 (1 s)                         card a back at T0+3.5 (retried every 3 s)
#   T0+9  line a: A3 (1 s) ; line b: B2 (1 s)
set -u
. "$(dirname "$0")/test-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cat > asoundrc <<EOT
pcm.loa_line_a { type loavcard; file "$work/line-a.wav"; fail_file "$work/unplugged" }
pcm.loa_line_b { type loavcard; file "$work/line-b.wav" }
EOT
cat > loa.cfg <<EOT
station = { id = "fault-test"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without \`loa spot approve\`
loudness_normalize = false;  # exact sample values are checked
control_socket = "$work/control";
lines = ( { id = "a"; output = "alsa:loa_line_a"; }, { id = "b"; output = "alsa:loa_line_b"; } );
EOT
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || exit 1
for s in A1:1000:192000 B1:2000:192000 A2:3000:48000 A3:4000:48000 B2:5000:48000; do
  IFS=: read -r id value frames <<< "$s"
  "$DCWAV" "$id.wav" 48000 2 "$value" "$frames" && L spot add "$id.wav" --id "$id" --category news > /dev/null || bad "spot $id"
done
T0=$(( $(date +%s) + 4 ))
cat > schedule.cfg <<EOT
events = (
  { at = "$(local_time $T0)"; lines = "a"; play = "A1"; },
  { at = "$(local_time $T0)"; lines = "b"; play = "B1"; },
  { at = "$(local_time $((T0 + 4)))"; lines = "a"; play = "A2"; },
  { at = "$(local_time $((T0 + 9)))"; lines = "a"; play = "A3"; },
  { at = "$(local_time $((T0 + 9)))"; lines = "b"; play = "B2"; }
);
EOT
L schedule load schedule.cfg > /dev/null || bad "schedule load"
ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$VCARD_CONF:$work/asoundrc" \
  L run --for $(( T0 + 11 - $(date +%s) )) 2> run.log &
pid=$!
sleep "$(awk -v t=$T0 -v now="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", t + 1.5 - now }')"
touch unplugged
sleep 2
rm -f unplugged
wait $pid
same() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: '$3', expected '$2'"; fi; }
same "loa run exits 0" 0 $?
L log --format csv > log.csv
cat log.csv
field() {
  awk -F, -v s="$1" -v f="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                               $c["spot"] == s { print $c[f]; exit }' log.csv
}
same "A1 failed when the card went" failed "$(field A1 status)"
case "$(field A1 reason)" in *output*) ok "A1's reason names the output: $(field A1 reason)" ;; *) bad "A1 reason: $(field A1 reason)" ;; esac
same "A2 failed while the card was gone" failed "$(field A2 status)"
same "B1 on the other line completed" completed "$(field B1 status)"
same "A3 completed after the card came back" completed "$(field A3 status)"
same "B2 completed" completed "$(field B2 status)"
grep -q "line 'a' is back on the air" run.log && ok "recovery logged" || bad "no recovery message"
[ $fail -ne 0 ] && cat run.log
exit $fail
