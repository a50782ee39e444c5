#!/usr/bin/env bash
# Integration: the engine brings each spot to the station's loudness target.
# A quiet and a loud spot (1 kHz sines, about -33 and -9 LUFS) air through the
# real daemon into a WAV file (file: output); the recording of each is then
# measured by Loa's own ingest (libebur128) and must be within 0.5 LU of
# loudness_target; the gain applied is in each airing's log row. A line's own
# level (`volume`) comes on top: a line at -6 dB airs the quiet spot at -22
# LUFS; a line whose `mixer` control cannot be used (a file output has no
# mixer) gets its level in the pipeline instead, with a warning.
set -u
. "$(dirname "$0")/test-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cat > loa.cfg <<EOT
station = { id = "gain-test"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without \`loa spot approve\`
loudness_target = -16.0;
control_socket = "$work/control";
lines = ( { id = "q"; output = "file:$work/quiet.wav"; },
          { id = "l"; output = "file:$work/loud.wav"; },
          { id = "v"; output = "file:$work/lower.wav"; volume = -6; },
          { id = "m"; output = "file:$work/mixer.wav"; volume = -6; mixer = "PCM"; } );
EOT
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || exit 1
sox -n -r 48000 -c 2 -b 16 quiet-src.wav synth 4 sine 1000 vol 0.03 || exit 1
sox -n -r 48000 -c 2 -b 16 loud-src.wav synth 4 sine 1000 vol 0.5 || exit 1
L spot add quiet-src.wav --id QUIET --category news > /dev/null || bad "add quiet"
L spot add loud-src.wav --id LOUD --category news > /dev/null || bad "add loud"
# loudness ID: the integrated loudness the catalog measured.
loudness() {
  L spot show "$1" --format csv | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                                          { print $c["loudness_lufs"] }'
}
echo "sources: QUIET $(loudness QUIET) LUFS, LOUD $(loudness LOUD) LUFS"
now=$(date +%s)
cat > schedule.cfg <<EOT
events = ( { at = "$(local_time $((now + 3)))"; lines = "q"; play = "QUIET"; },
           { at = "$(local_time $((now + 3)))"; lines = "l"; play = "LOUD"; },
           { at = "$(local_time $((now + 3)))"; lines = [ "v", "m" ]; play = "QUIET"; } );
EOT
L schedule load schedule.cfg > /dev/null || bad "schedule load"
L run --for 9 2> run.log || bad "loa run"
L log --format csv > log.csv
cat log.csv
[ "$(grep -c ',completed,' log.csv)" -eq 4 ] && ok "all four aired" || bad "all four aired"
for s in quiet loud; do
  # The file: output's WAV header is not final when the daemon stops.
  sox --ignore-length "$s.wav" "$s-rec.wav" || { bad "read $s.wav"; continue; }
  L spot add "$s-rec.wav" --id "REC-$s" --category other > /dev/null 2>&1 || { bad "measure $s"; continue; }
  measured=$(loudness "REC-$s")
  echo "recorded $s: $measured LUFS"
  awk -v m="$measured" 'BEGIN { d = m + 16; exit !(d < 0.5 && d > -0.5) }' &&
    ok "$s spot aired at -16 LUFS (+/- 0.5 LU)" || bad "$s spot aired at $measured LUFS"
done
for s in lower mixer; do
  sox --ignore-length "$s.wav" "$s-rec.wav" && L spot add "$s-rec.wav" --id "REC-$s" --category other > /dev/null 2>&1 ||
    { bad "measure $s"; continue; }
  measured=$(loudness "REC-$s")
  echo "recorded $s: $measured LUFS"
  awk -v m="$measured" 'BEGIN { d = m + 22; exit !(d < 0.5 && d > -0.5) }' &&
    ok "$s line at -6 dB: -22 LUFS (+/- 0.5 LU)" || bad "$s line aired at $measured LUFS"
done
grep -q "line 'm': .*no mixer; its level (-6.0 dB) is set in the pipeline" run.log &&
  ok "an unusable mixer control is reported" || bad "no mixer warning"
# The gain each airing got is in its row (as-run log, canonical form 2).
gains=$(sqlite3 loa.db "SELECT DISTINCT spot_id || '=' || printf('%.1f', gain_db) FROM airings WHERE line IN ('q', 'l') ORDER BY spot_id")
echo "gains: $gains"
grep -q 'LOUD=-' <<< "$gains" && grep -q 'QUIET=[0-9]' <<< "$gains" &&
  ok "gains recorded: negative for the loud spot, positive for the quiet one" || bad "gains: $gains"
[ $fail -ne 0 ] && cat run.log
exit $fail
