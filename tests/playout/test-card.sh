#!/usr/bin/env bash
# Integration: one 8-channel card shared by 4 stereo lines (channels 1-2, 3-4,
# 5-6, 7-8), the virtual card recording all 8 channels. Different spots on
# different lines at the same moment must each be recorded on their own
# channels only, at the right sample; a later spot on one line touches only
# that line's channels (ALSA's 8-channel order differs from GStreamer's: the
# mapping is checked channel by channel).
set -u
. "$(dirname "$0")/test-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cat > asoundrc <<EOT
pcm.card8 { type loavcard; file "$work/card8.wav" }
EOT
cat > loa.cfg <<EOT
station = { id = "card-test"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without \`loa spot approve\`
loudness_normalize = false;  # exact sample values are checked
control_socket = "$work/control";
lines = ( { id = "a"; output = "alsa:card8"; channels = [1, 2]; },
          { id = "b"; output = "alsa:card8"; channels = [3, 4]; },
          { id = "c"; output = "alsa:card8"; channels = [5, 6]; },
          { id = "d"; output = "alsa:card8"; channels = [7, 8]; } );
EOT
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || exit 1
for s in A:1000 B:2000 C:3000 D:4000; do
  "$DCWAV" "${s%%:*}.wav" 48000 2 "${s#*:}" 48000 &&
    L spot add "${s%%:*}.wav" --id "${s%%:*}" --category news > /dev/null || bad "spot $s"
done
T0=$(( $(date +%s) + 4 ))
cat > schedule.cfg <<EOT
events = ( { at = "$(local_time $T0)"; lines = "a"; play = "A"; },
           { at = "$(local_time $T0)"; lines = "b"; play = "B"; },
           { at = "$(local_time $T0)"; lines = "c"; play = "C"; },
           { at = "$(local_time $T0)"; lines = "d"; play = "D"; },
           { at = "$(local_time $((T0 + 2)))"; lines = "c"; play = "A"; } );
EOT
L schedule load schedule.cfg > /dev/null || bad "schedule load"
ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$VCARD_CONF:$work/asoundrc" \
  L run --for $(( T0 + 4 - $(date +%s) )) 2> run.log || bad "loa run"
grep -q '^channels=8' card8.wav.stamp && ok "the card was opened with 8 channels" || bad "card channels: $(grep channels card8.wav.stamp)"
[ "$(sqlite3 loa.db "SELECT count(*) FROM airings WHERE status = 'completed'")" = 5 ] &&
  ok "5 airings completed" || bad "airings: $(sqlite3 loa.db 'SELECT line, spot_id, status FROM airings')"
# segments CH: "value start_ns frames" of each non-silent segment of channel CH (0-based).
segments() { "$ANALYZE" --channel "$1" --segments-by-value --format tsv card8.wav | awk '{ print $3, $4, $2 }'; }
# expect_on CH "VALUE@SECONDS ...": exactly these segments, each within 20 ms of T0+SECONDS, 48000 frames.
expect_on() {
  local ch=$1 want=$2 got v at value start frames err
  got=$(segments "$ch")
  if [ "$(wc -l <<< "$got")" -ne "$(wc -w <<< "$want")" ]; then
    bad "channel $((ch + 1)): segments '$(tr '\n' ';' <<< "$got")', expected $want"; return
  fi
  for v in $want; do
    value=${v%@*} at=${v#*@}
    read -r _ start frames < <(awk -v x="$value" '$1 == x { print; exit }' <<< "$got")
    if [ -z "${start:-}" ]; then bad "channel $((ch + 1)): no $value"; continue; fi
    err=$(( start - (T0 + at) * 1000000000 ))
    if [ ${err#-} -lt 20000000 ] && [ "$frames" -ge 47900 ] && [ "$frames" -le 48100 ]; then
      ok "channel $((ch + 1)): $value at T0+$at (${err} ns), $frames frames"
    else
      bad "channel $((ch + 1)): $value at $err ns from T0+$at, $frames frames"
    fi
  done
}
expect_on 0 "1000@0"; expect_on 1 "1000@0"
expect_on 2 "2000@0"; expect_on 3 "2000@0"
expect_on 4 "3000@0 1000@2"; expect_on 5 "3000@0 1000@2"
expect_on 6 "4000@0"; expect_on 7 "4000@0"

# loa hw test on line c: the tone on card channels 5 and 6 only.
ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$VCARD_CONF:$work/asoundrc" \
  L hw test c --tone 1000 --seconds 1 > hw.log 2>&1 || bad "hw test c: $(cat hw.log)"
for ch in 0 1 2 3 4 5 6 7; do
  n=$("$ANALYZE" --summary --channel $ch card8.wav | awk -F= '$1 == "nonsilent_frames" { print $2 }')
  if [ $ch -eq 4 ] || [ $ch -eq 5 ]; then
    [ "${n:-0}" -gt 40000 ] && ok "hw test: tone on channel $((ch + 1))" || bad "hw test: channel $((ch + 1)) has $n frames"
  else
    [ "${n:-1}" -eq 0 ] && ok "hw test: channel $((ch + 1)) silent" || bad "hw test: channel $((ch + 1)) has $n frames"
  fi
done
[ $fail -ne 0 ] && cat run.log
exit $fail
