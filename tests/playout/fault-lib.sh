# Shared by tests/playout/test-device-fault.sh and test-card-fault.sh: a
# station on the virtual card (tests/vcard) whose card is unplugged
# mid-airing. The test makes its work folder, enters it and writes asoundrc
# there, giving the PCMs that can fail `fail_file "$work/unplugged"`; these
# functions work in the current folder.
#
# Needs in the environment: LOA, DCWAV, VCARD_CONF (see tests/playout.cmake);
# test-lib.sh sourced first (bad, local_time).
# Timeline: T0 = 4 s after fault_schedule; the card is unplugged from T0+1.5 s
# to T0+3.5 s; the daemon runs until T0+11 s.

# L ARGS...: loa on this station.
L() { "$LOA" --config loa.cfg "$@"; }

# fault_station ID LINES: loa.cfg for station ID with LINES (what goes
# between the parentheses of `lines`), its database and library.
fault_station() {
  cat > loa.cfg <<EOT
station = { id = "$1"; };
database = "loa.db";
library = "library";
require_approval = false;  # spots air without \`loa spot approve\`
loudness_normalize = false;  # exact sample values are checked
control_socket = "$PWD/control";
lines = ( $2 );
EOT
  L init > /dev/null
}

# fault_spots ID:VALUE:FRAMES...: constant-value spots (48 kHz stereo) in
# the library; a spot that cannot be made or added is a failed check.
fault_spots() {
  local s id value frames
  for s in "$@"; do
    IFS=: read -r id value frames <<< "$s"
    "$DCWAV" "$id.wav" 48000 2 "$value" "$frames" && L spot add "$id.wav" --id "$id" --category news > /dev/null || bad "spot $id"
  done
}

# fault_schedule SECONDS:LINE:SPOT...: sets T0 (epoch seconds, 4 s ahead) and
# loads a schedule that airs SPOT on LINE at T0 + SECONDS.
fault_schedule() {
  T0=$(( $(date +%s) + 4 ))
  local s seconds line spot separator=""
  {
    echo "events = ("
    for s in "$@"; do
      IFS=: read -r seconds line spot <<< "$s"
      printf '%s  { at = "%s"; lines = "%s"; play = "%s"; }' \
        "$separator" "$(local_time $((T0 + seconds)))" "$line" "$spot"
      separator=$',\n'
    done
    printf '\n);\n'
  } > schedule.cfg
  L schedule load schedule.cfg > /dev/null || bad "schedule load"
}

# fault_run: runs the daemon until T0+11 s (its log in run.log) and unplugs
# the card from T0+1.5 s to T0+3.5 s. Returns the daemon's exit status.
fault_run() {
  ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$VCARD_CONF:$PWD/asoundrc" \
    L run --for $(( T0 + 11 - $(date +%s) )) 2> run.log &
  local pid=$!
  sleep "$(awk -v t=$T0 -v now="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", t + 1.5 - now }')"
  touch unplugged
  sleep 2
  rm -f unplugged
  wait $pid
}
