#!/usr/bin/env bash
# vcard.xrun: an underrun is reported (-EPIPE) and counted, restart after prepare
# works, and the second run lands in the file at its wall-time position.
source "$(dirname "$0")/vcard_lib.sh"
PROBE=$4

out=$WORK/xrun.wav
add_pcm loavcard_xrun "$out"
if ! timeout 20 "$PROBE" loavcard_xrun >"$WORK/probe.txt"; then
  cat "$WORK/probe.txt"
  fail "xrun probe failed"
  finish
fi
cat "$WORK/probe.txt"
t1=$(kv "$WORK/probe.txt" t1_monotonic_ns)
t2=$(kv "$WORK/probe.txt" t2_monotonic_ns)
t0m=$(kv "$out.stamp" t0_monotonic_ns)
check "one xrun counted" test "$(kv "$out.stamp" xruns)" = 1
check "two starts" test "$(kv "$out.stamp" starts)" = 2
check "first start within 2 ms after the first write" within "$t0m" $((t1 + 1000000)) 1000000
runs=$("$ANALYZE" --format tsv "$out")
echo "$runs"
check "two runs" test "$(printf '%s\n' "$runs" | wc -l)" = 2
read -r s1 n1 v1 _ <<<"$(sed -n 1p <<<"$runs")"
read -r s2 n2 v2 _ <<<"$(sed -n 2p <<<"$runs")"
exp2=$(((t2 - t0m) * 48 / 1000000))
echo "run 2 at frame $s2, restart instant is frame $exp2"
check "run 1: frame 0, 12000 x 1000" test "$s1:$n1:$v1" = "0:12000:1000"
check "run 2: 12000 x 2000" test "$n2:$v2" = "12000:2000"
check "run 2 starts at the restart's wall time (+-2 ms)" within "$s2" $((exp2 + 48)) 96
check "gap of at least 200 ms (400 ms sleep - 100 ms buffer - margin)" test "$s2" -ge $((12000 + 9600))
finish
