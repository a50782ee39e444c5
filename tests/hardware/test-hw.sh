#!/bin/bash
# `loa hw list` and `loa hw test` with the real binary: a line on a file
# output and a line on the virtual ALSA card (tests/vcard), each switched by
# a command that records its calls; the recorded tone's length and frequency
# are measured with sox.
# Usage: test-hw.sh WORK_DIR   (env: LOA, VCARD_CONF)
set -u
work=$1
rm -rf "$work"; mkdir -p "$work"
. "$(dirname "$0")/../playout/test-lib.sh"

cat > "$work/switch.sh" <<EOT
#!/bin/sh
echo "\$*" >> "$work/calls.txt"
[ "\$2" = broken ] && { echo "relay \$2 does not answer" >&2; exit 1; }
exit 0
EOT
chmod +x "$work/switch.sh"

cat > "$work/asoundrc" <<EOT
pcm.loa_hw_line {
  type loavcard
  file "$work/vcard.wav"
  hint { show on; description "Loa test line" }
}
EOT
export ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$VCARD_CONF:$work/asoundrc"

cat > "$work/loa.cfg" <<EOT
station = { id = "test"; };
database = "$work/loa.db";
lines = (
  { id = "filed"; output = "file:$work/filed.wav"; switch = { driver = "command"; }; },
  { id = "card"; output = "alsa:loa_hw_line"; switch = { driver = "command"; }; },
  { id = "broken"; output = "file:$work/broken.wav"; switch = { driver = "command"; }; }
);
engine = { rate = 48000; channels = 2; };
switching = { command = "$work/switch.sh"; pre_roll_ms = 100; };
EOT
export LOA_CONFIG=$work/loa.cfg

# measure FILE: "SECONDS HZ" of the sound in FILE, silence trimmed at both ends.
measure() {
  sox "$1" "$work/trimmed.wav" silence 1 0.005 1% reverse silence 1 0.005 1% reverse 2>/dev/null
  local stat; stat=$(sox "$work/trimmed.wav" -n remix 1 stat 2>&1)
  echo "$(awk '/^Length/ {print $3}' <<< "$stat") $(awk '/^Rough/ {print $3}' <<< "$stat")"
}
# within VALUE EXPECTED TOLERANCE
within() { awk -v v="$1" -v e="$2" -v t="$3" 'BEGIN { exit !(v >= e - t && v <= e + t) }'; }

expect "hw --help lists the subcommands" 0 "test +play a test" "$LOA" hw --help
expect "hw test --help" 0 "LINE" "$LOA" hw test --help

# A tone on a file output, switched on before and off after.
expect "tone on the file line" 0 "line 'filed': switched on: ok" \
  "$LOA" hw test filed --tone 440 --seconds 1.5
read -r length hz <<< "$(measure "$work/filed.wav")"
if within "$length" 1.5 0.02 && within "$hz" 440 9; then ok "file line: ${length}s at ${hz} Hz"
else bad "file line: ${length}s at ${hz} Hz, expected 1.5 s at 440 Hz"; fi
if [ "$(cat "$work/calls.txt")" = $'on filed\noff filed' ]; then ok "switched on, then off"
else bad "switch calls: $(cat "$work/calls.txt")"; fi

# The same through ALSA, on the virtual card (played in real time).
rm -f "$work/calls.txt"
expect "tone on the ALSA line" 0 "switched off: ok" "$LOA" hw test card --tone 1000 --seconds 1
read -r length hz <<< "$(measure "$work/vcard.wav")"
if within "$length" 1.0 0.03 && within "$hz" 1000 20; then ok "ALSA line: ${length}s at ${hz} Hz"
else bad "ALSA line: ${length}s at ${hz} Hz, expected 1 s at 1000 Hz"; fi
if [ "$(cat "$work/calls.txt")" = $'on card\noff card' ]; then ok "only the tested line was switched"
else bad "switch calls: $(cat "$work/calls.txt")"; fi

# A switch that fails: the tone still plays (the output can be checked), exit 1.
expect "failed switch is reported" 1 "switched on: failed: command .* exited with status 1: relay broken does not answer" \
  "$LOA" hw test broken --seconds 0.2
[ -s "$work/broken.wav" ] && ok "the output was still tested" || bad "nothing played on the broken line"

expect "--no-switch" 0 "playing" "$LOA" hw test filed --seconds 0.1 --no-switch
expect "unknown line" 2 "no line 'nope'" "$LOA" hw test nope
expect "bad tone" 2 "--tone must be" "$LOA" hw test filed --tone 5
sed 's/alsa:loa_hw_line/alsa:no_such_pcm/' "$work/loa.cfg" > "$work/missing.cfg"
expect "missing output device" 1 "cannot open ALSA PCM 'no_such_pcm'" \
  "$LOA" --config "$work/missing.cfg" hw test card --no-switch --seconds 0.1

if command -v espeak-ng > /dev/null; then
  rm -f "$work/filed.wav"
  expect "voice" 0 "speaking" "$LOA" hw test filed --voice --no-switch
  read -r length hz <<< "$(measure "$work/filed.wav")"
  within "$length" 2 1.5 && ok "a sentence of ${length}s" || bad "voice: ${length}s"
fi

# The inventory: the configuration's PCM with its description and abilities.
expect "hw list" 0 "alsa:loa_hw_line .*Loa test line" "$LOA" hw list
if ! grep -q . /proc/asound/cards 2>/dev/null || grep -q "no soundcards" /proc/asound/cards; then
  expect "no cards said" 0 "no sound cards" "$LOA" hw list
fi
json=$("$LOA" hw list --format json 2>/dev/null)
if python3 -c '
import json, sys
rows = [r for r in json.loads(sys.argv[1]) if r["output"] == "alsa:loa_hw_line"]
assert rows and rows[0]["kind"] == "config", rows
assert rows[0]["playback_channels"] == "1-8", rows
assert "48000" in rows[0]["rates"].split(), rows' "$json"; then ok "hw list --format json"
else bad "hw list json: $json"; fi
expect "hw list bad format" 2 "" "$LOA" hw list --format xml

exit $fail
