#!/usr/bin/env bash
# vcard.ppm: with the card's clock +-1000 ppm off, playback still completes and
# the file reflects wall time: N frames played at rate*(1+ppm) cover
# N/(1+ppm) frames of the file.
source "$(dirname "$0")/vcard_lib.sh"

make_wav "$WORK/in.wav" 1000:24000 2000:48000
for ppm in 1000 -1000; do
  out=$WORK/ppm$ppm.wav
  add_pcm "loavcard_ppm$ppm" "$out" "$ppm"
  t_a=$(now_ns)
  if ! timeout 20 aplay -q -D "loavcard_ppm$ppm" "$WORK/in.wav"; then
    fail "aplay on ppm $ppm failed"
    continue
  fi
  t_b=$(now_ns)
  check "ppm $ppm: aplay took >= 0.9 x the audio duration" test $((t_b - t_a)) -ge 1350000000
  total=$(summary "$out" total_frames)
  received=$(kv "$out.stamp" frames)
  # expected file frames: round((received - 1) / (1 + ppm e-6)) + 1 (and segment lengths)
  read -r exp_total exp_seg1 exp_seg2 < <(awk -v n="$received" -v p="$ppm" \
    'BEGIN { f = 1 + p * 1e-6; printf "%d %d %d\n", int((n - 1) / f + 0.5) + 1, int(24000 / f + 0.5), int(48000 / f + 0.5) }')
  echo "ppm $ppm: received $received frames, file $total frames, expected $exp_total"
  tol=$((exp_total * 3 / 1000))
  check "ppm $ppm: file length within +-0.3 % of $exp_total" within "$total" "$exp_total" "$tol"
  check "ppm $ppm: file length within +-2 frames of $exp_total" within "$total" "$exp_total" 2
  segs=$("$ANALYZE" --format tsv --segments-by-value "$out")
  echo "$segs"
  check "ppm $ppm: two segments" test "$(printf '%s\n' "$segs" | wc -l)" = 2
  read -r s1 n1 v1 _ <<<"$(sed -n 1p <<<"$segs")"
  read -r s2 n2 v2 _ <<<"$(sed -n 2p <<<"$segs")"
  check "ppm $ppm: segment 1 at 0, value 1000" test "$s1:$v1" = "0:1000"
  check "ppm $ppm: segment 1 length $n1 ~ $exp_seg1" within "$n1" "$exp_seg1" 2
  check "ppm $ppm: segment 2 value 2000, starts where 1 ends" test "$s2:$v2" = "$n1:2000"
  check "ppm $ppm: segment 2 length $n2 ~ $exp_seg2" within "$n2" "$exp_seg2" 2
  check "ppm $ppm: stamp records ppm" test "$(kv "$out.stamp" ppm)" = "$ppm"
  check "ppm $ppm: no xruns" test "$(kv "$out.stamp" xruns)" = 0
done
finish
