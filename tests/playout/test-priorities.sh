#!/usr/bin/env bash
# Integration: priorities through the real daemon and the virtual card.
#   T0    L  2.5 s normal        -> cut at T0+2 by the emergency (30 ms fade), interrupted
#   T0+2  E  2 s   emergency     -> exactly at T0+2
#   T0+3  N  1 s   normal        -> its time passes during the emergency: missed
#   T0+3  M  1 s   soft, late = "play" -> airs right after the emergency, at T0+4
#   T0+6  X  2 s   normal        -> at T0+6
#   T0+7  P  1 s   priority      -> right after X, at T0+8
# Line b, start modes:
#   T0    LB 4 s   soft          -> cut at T0+2 by the hard start (fade), interrupted
#   T0+2  H  1 s   hard          -> exactly at T0+2
#   T0+4  Y  3 s   soft
#   T0+5  S  1 s   soft, grace 1 s, late = "skip" -> the line is busy 2 s past its time: missed
set -u
. "$(dirname "$0")/test-lib.sh"
work=$1
fail=0
RATE=48000
rm -rf "$work" && mkdir -p "$work" || exit 1
cat > "$work/asoundrc" <<EOT
pcm.loa_line_a { type loavcard; file "$work/line-a.wav" }
pcm.loa_line_b { type loavcard; file "$work/line-b.wav" }
EOT
cat > "$work/loa.cfg" <<'EOT'
station = { id = "prio-station"; name = "Đài thử ưu tiên"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without `loa spot approve`
loudness_normalize = false;  # exact sample values are checked
lines = ( { id = "a"; name = "Line A"; output = "alsa:loa_line_a"; },
          { id = "b"; name = "Line B"; output = "alsa:loa_line_b"; } );
EOT
loa() { "$LOA" --config "$work/loa.cfg" "$@"; }
same() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: '$3', expected '$2'"; fi; }
loa init > /dev/null || exit 1
add() { # ID VALUE FRAMES
  "$DCWAV" "$work/$1.wav" $RATE 2 "$2" "$3" &&
    loa spot add "$work/$1.wav" --id "$1" --title "Thử $1" --category news --topic attt > /dev/null
}
add L 1000 120000 && add E 3000 96000 && add N 4000 48000 && add M 5000 48000 &&
  add X 6000 96000 && add P 2000 48000 && add LB 1500 192000 && add H 7000 48000 &&
  add Y 8000 144000 && add S 9000 48000 || { bad "spots"; exit 1; }
loa spot approve L --by test > /dev/null 2>&1 # harmless when approval is not required
T0=$(( $(date +%s) + 5 ))
cat > "$work/schedule.cfg" <<EOT
events = (
  { at = "$(local_time $T0)"; lines = "a"; play = "L"; },
  { at = "$(local_time $((T0 + 2)))"; lines = "a"; play = "E"; priority = "emergency"; },
  { at = "$(local_time $((T0 + 3)))"; lines = "a"; play = "N"; },
  { at = "$(local_time $((T0 + 3)))"; lines = "a"; play = "M"; start = "soft"; late = "play"; },
  { at = "$(local_time $((T0 + 6)))"; lines = "a"; play = "X"; },
  { at = "$(local_time $((T0 + 7)))"; lines = "a"; play = "P"; priority = "priority"; },
  { at = "$(local_time $T0)"; lines = "b"; play = "LB"; start = "soft"; },
  { at = "$(local_time $((T0 + 2)))"; lines = "b"; play = "H"; start = "hard"; },
  { at = "$(local_time $((T0 + 4)))"; lines = "b"; play = "Y"; start = "soft"; },
  { at = "$(local_time $((T0 + 5)))"; lines = "b"; play = "S"; start = "soft"; grace = 1; late = "skip"; }
);
EOT
loa schedule load "$work/schedule.cfg" > "$work/load.log" 2>&1 || { bad "schedule load"; cat "$work/load.log"; exit 1; }
ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$VCARD_CONF:$work/asoundrc" \
  loa run --for $(( T0 + 10 - $(date +%s) )) 2> "$work/run.log"
same "loa run exits 0" 0 $?

loa log --format csv > "$work/log.csv"
cat "$work/log.csv"
# field SPOT NAME: a column of the spot's log row, by header name.
field() {
  awk -F, -v s="$1" -v f="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                               $c["spot"] == s { print $c[f]; exit }' "$work/log.csv"
}
same "L interrupted" interrupted "$(field L status)"
case "$(field L reason)" in *emergency*) ok "L's reason names the emergency" ;; *) bad "L's reason: $(field L reason)" ;; esac
same "N missed" missed "$(field N status)"
for s in E M X P H Y; do same "$s completed" completed "$(field $s status)"; done
same "LB cut by the hard start" interrupted "$(field LB status)"
case "$(field LB reason)" in *hard*) ok "LB's reason names the hard start" ;; *) bad "LB's reason: $(field LB reason)" ;; esac
same "S missed: the line stayed busy past its grace" missed "$(field S status)"
grep -q ',b,S,.*missed,.*grace' "$work/log.csv" && ok "S's reason names the grace" || bad "S's reason"
h_late=$(( $(date -d "$(field H started_at)" +%s%N) - (T0 + 2) * 1000000000 ))
echo "hard start H: $h_late ns after its time"
[ ${h_late#-} -lt 20000000 ] && ok "the hard start H aired at its time" || bad "H started $h_late ns off"

"$ANALYZE" --segments-by-value --format tsv "$work/line-a.wav" > "$work/measured" || bad "analyze"
cat "$work/measured"
# at VALUE SECONDS FRAMES: a segment of VALUE starts within 20 ms of T0+SECONDS and lasts FRAMES.
at() {
  local m
  m=$(awk -v v=$1 '$3 == v && $2 > 1000 { print $4, $2; exit }' "$work/measured")
  if [ -z "$m" ]; then bad "no segment of value $1"; return; fi
  set -- $1 $2 $3 $m
  local err=$(( $4 - (T0 + $2) * 1000000000 ))
  echo "value $1: start error $err ns, $5 frames"
  if [ ${err#-} -lt 20000000 ]; then ok "value $1 at T0+$2"; else bad "value $1 at T0+$2 (error $err ns)"; fi
  local d=$(( $5 - $3 ))
  if [ ${d#-} -le 100 ]; then ok "value $1 complete"; else bad "value $1: $5 frames, expected $3"; fi
}
at 3000 2 96000
at 5000 4 48000
at 6000 6 96000
at 2000 8 48000
if awk '$3 == 4000' "$work/measured" | grep -q .; then bad "the missed spot N was heard"; else ok "N not heard"; fi
# The cut: L's constant part ends about 30 ms before the emergency, then a ramp (no click).
l_end=$(awk '$3 == 1000 && $2 > 1000 { print $1 + $2; exit }' "$work/measured")
e_start=$(awk '$3 == 3000 && $2 > 1000 { print $1; exit }' "$work/measured")
if [ -n "$l_end" ] && [ -n "$e_start" ]; then
  fade=$(( e_start - l_end ))
  echo "fade: $fade frames"
  if [ $fade -ge 1000 ] && [ $fade -le 2400 ]; then ok "fade of 20-50 ms before the emergency"; else bad "fade of $fade frames"; fi
fi
[ $fail -ne 0 ] && { echo "--- daemon log"; cat "$work/run.log"; }
exit $fail
