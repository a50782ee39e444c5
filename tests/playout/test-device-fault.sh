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
. "$(dirname "$0")/fault-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cat > asoundrc <<EOT
pcm.loa_line_a { type loavcard; file "$work/line-a.wav"; fail_file "$work/unplugged" }
pcm.loa_line_b { type loavcard; file "$work/line-b.wav" }
EOT
fault_station fault-test '{ id = "a"; output = "alsa:loa_line_a"; }, { id = "b"; output = "alsa:loa_line_b"; }' || exit 1
fault_spots A1:1000:192000 B1:2000:192000 A2:3000:48000 A3:4000:48000 B2:5000:48000
fault_schedule 0:a:A1 0:b:B1 4:a:A2 9:a:A3 9:b:B2
fault_run; rc=$?
same() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: '$3', expected '$2'"; fi; }
same "loa run exits 0" 0 $rc
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
