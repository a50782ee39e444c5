# Sourced by the vcard test scripts.  Arguments of the script:
#   $1 plugin .so   $2 loavcard-analyze   $3 work directory (recreated)
# Sets up an ALSA configuration beside the system one that declares the plugin,
# and provides small assertion helpers.  Checks print "ok: ..." or "FAIL: ...";
# call finish at the end (exit 1 when any check failed).
set -euo pipefail

if (($# < 3)); then
  echo "usage: $0 PLUGIN.so LOAVCARD-ANALYZE WORKDIR [...]" >&2
  exit 1
fi
PLUGIN=$1
ANALYZE=$2
WORK=$3
[[ -f $PLUGIN ]] || { echo "FAIL: plugin '$PLUGIN' not found" >&2; exit 1; }
[[ -x $ANALYZE ]] || { echo "FAIL: analyzer '$ANALYZE' not found" >&2; exit 1; }
rm -rf "$WORK"
mkdir -p "$WORK"
CONF=$WORK/asoundrc
printf 'pcm_type.loavcard {\n\tlib "%s"\n}\n' "$PLUGIN" >"$CONF"
export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$CONF

FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
# check DESCRIPTION COMMAND...: run COMMAND, record the outcome
check() {
  local desc=$1
  shift
  if "$@"; then echo "ok: $desc"; else fail "$desc"; fi
}
# within A B TOL: |A - B| <= TOL (integers)
within() {
  local d=$(($1 - $2))
  ((d < 0)) && d=$((-d))
  ((d <= $3))
}
finish() {
  if ((FAILS)); then
    echo "$FAILS check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}

# add_pcm NAME FILE [PPM]: declare pcm.NAME as a loavcard writing FILE
add_pcm() {
  printf 'pcm.%s {\n\ttype loavcard\n\tfile "%s"\n\tppm %s\n}\n' "$1" "$2" "${3:-0}" >>"$CONF"
}

# make_wav OUT VALUE:FRAMES...: 48 kHz S16_LE stereo WAV, each segment a constant
# value on both channels (exact samples, no dither)
make_wav() {
  perl -e '
    my $out = shift; my $data = "";
    for (@ARGV) { my ($v, $n) = split /:/; $data .= pack("s<s<", $v, $v) x $n; }
    open(my $f, ">", $out) or die "$out: $!"; binmode $f;
    print $f pack("A4VA4A4VvvVVvvA4V", "RIFF", 36 + length($data), "WAVE", "fmt ", 16,
                  1, 2, 48000, 48000 * 4, 4, 16, "data", length($data)), $data;
    close($f) or die;' "$@"
}

now_ns() { date +%s%N; }

# kv FILE KEY: value of KEY= in a key=value file (stamp) or stream
kv() { sed -n "s/^$2=//p" "$1" | head -n 1; }

# summary WAV KEY: value from loavcard-analyze --summary
summary() { "$ANALYZE" --summary "$1" | sed -n "s/^$2=//p"; }
