#!/usr/bin/env bash
# Integration: wall clock over a card whose crystal is off. Line a's virtual
# card runs 1000 ppm fast, line b's 1000 ppm slow; each airs a spot at its
# start and one 20 s later. Left to its own clock a card would have drifted
# 20 ms by then; the sink resamples to the system clock, so both spots of
# both lines start at their wall-clock times (within the timing slack) and
# come out complete, without a hole or a skip inside them.
set -u
. "$(dirname "$0")/airing-lib.sh"
work=$1
fail=0
slack_ns=${LOA_TIMING_SLACK_NS:-2000000}
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }

airing_setup "$work" || { echo "FAIL: setup"; exit 1; }
cat > "$work/asoundrc" <<EOT
pcm.loa_line_a { type loavcard; file "$work/line-a.wav"; ppm 1000 }
pcm.loa_line_b { type loavcard; file "$work/line-b.wav"; ppm -1000 }
EOT
T0=$(( $(date +%s) + 4 ))
cat > "$work/schedule.cfg" <<EOT
events = (
  { at = "$(local_time $T0)"; lines = [ "a", "b" ]; play = "S2"; },
  { at = "$(local_time $((T0 + 20)))"; lines = [ "a", "b" ]; play = "S3"; }
);
EOT
"$LOA" --config "$work/loa.cfg" schedule load "$work/schedule.cfg" > /dev/null ||
  { echo "FAIL: schedule load"; exit 1; }
ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$VCARD_CONF:$work/asoundrc" \
  "$LOA" --config "$work/loa.cfg" run --for $(( T0 + 22 - $(date +%s) )) 2> "$work/run.log"
check "loa run exits 0" "[ $? -eq 0 ]"
check "card a ran 1000 ppm fast" "grep -q '^ppm=1000' '$work/line-a.wav.stamp'"
check "card b ran 1000 ppm slow" "grep -q '^ppm=-1000' '$work/line-b.wav.stamp'"
check "no xrun on line a" "grep -q '^xruns=0' '$work/line-a.wav.stamp'"
check "no xrun on line b" "grep -q '^xruns=0' '$work/line-b.wav.stamp'"

airing_measure "$work" > "$work/measured" || { echo "FAIL: analyze"; cat "$work/run.log"; exit 1; }
echo "measured (line value start_ns frames start_frame):"; cat "$work/measured"
for line in a b; do
  for spot in "2000 $T0 48000" "3000 $((T0 + 20)) 24000"; do
    set -- $spot
    value=$1 sched=${2}000000000 frames=$3
    m=$(awk -v l=$line -v v=$value '$1 == l && $2 == v { print $3, $4; exit }' "$work/measured")
    if [ -z "$m" ]; then echo "FAIL: no segment of value $value on line $line"; fail=1; continue; fi
    set -- $m
    err=$(( $1 - sched ))
    echo "line $line value $value: start error $err ns, $2 frames"
    check "line $line value $value starts on time (|$err| <= $slack_ns ns)" \
      "[ ${err#-} -le $slack_ns ]"
    # Resampling by ±1000 ppm gains or loses about one frame per 1000.
    check "line $line value $value complete ($2 of $frames frames, ±0.2 %)" \
      "[ $2 -ge $(( frames - frames / 500 )) ] && [ $2 -le $(( frames + frames / 500 )) ]"
  done
done
if [ $fail -ne 0 ]; then echo "--- daemon log"; cat "$work/run.log"; fi
exit $fail
