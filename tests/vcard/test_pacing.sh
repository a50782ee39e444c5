#!/usr/bin/env bash
# vcard.pacing: aplay (RW and mmap access) and alsasink through loavcard are paced
# in real time and the recording holds exactly what was played, stamped with
# the wall-clock time of frame 0.
source "$(dirname "$0")/vcard_lib.sh"

add_pcm loavcard_test "$WORK/aplay.wav"
add_pcm loavcard_mmap "$WORK/mmap.wav"
add_pcm loavcard_gst "$WORK/gst.wav"
make_wav "$WORK/in.wav" 1000:24000 2000:48000 # 0.5 s of 1000, 1 s of 2000
DUR_NS=1500000000

for mode in test mmap; do
  out=$WORK/aplay.wav
  args=()
  if [[ $mode == mmap ]]; then
    out=$WORK/mmap.wav
    args=(-M)
  fi
  t_a=$(now_ns)
  if ! timeout 20 aplay -q "${args[@]}" -D "loavcard_$mode" "$WORK/in.wav"; then
    fail "aplay -D loavcard_$mode failed"
    continue
  fi
  t_b=$(now_ns)
  elapsed=$((t_b - t_a))
  t0=$(kv "$out.stamp" t0_realtime_ns)
  echo "aplay ($mode): took $((elapsed / 1000)) us for 1500000 us of audio;" \
    "frame 0 played $(((t0 - t_a) / 1000)) us after launch"
  check "aplay ($mode) paced: took >= 0.9 x the audio duration" test "$elapsed" -ge $((DUR_NS * 9 / 10))
  check "aplay ($mode) finished: took < 3 x the audio duration" test "$elapsed" -lt $((DUR_NS * 3))
  segs=$("$ANALYZE" --format tsv --segments-by-value "$out")
  expected=$(printf '0\t24000\t1000\t%s\n24000\t48000\t2000\t%s' "$t0" $((t0 + 500000000)))
  if ! check "aplay ($mode) recorded exactly 24000 x 1000 then 48000 x 2000 from frame 0" \
    test "$segs" == "$expected"; then
    echo "got:"; echo "$segs"; echo "expected:"; echo "$expected"
  fi
  check "aplay ($mode) stamp t0 within 1 s of the aplay start" within "$t0" "$t_a" 1000000000
  check "aplay ($mode) no xruns" test "$(kv "$out.stamp" xruns)" = 0
  total=$(summary "$out" total_frames)
  received=$(kv "$out.stamp" frames)
  echo "aplay ($mode): file frames $total, frames received $received (aplay pads its last chunk)"
  check "aplay ($mode) file length = frames received" test "$total" = "$received"
  check "aplay ($mode) file length 72000 + padding < 100 ms" \
    test "$total" -ge 72000 -a "$total" -lt $((72000 + 4800))
done

if command -v gst-launch-1.0 >/dev/null && gst-inspect-1.0 alsasink >/dev/null 2>&1; then
  t_a=$(now_ns)
  if timeout 40 gst-launch-1.0 -q audiotestsrc num-buffers=100 samplesperbuffer=480 wave=square \
    ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! alsasink device=loavcard_gst; then
    t_b=$(now_ns)
    echo "alsasink: gst-launch took $(((t_b - t_a) / 1000)) us for 1000000 us of audio"
    runs=$("$ANALYZE" --format tsv "$WORK/gst.wav")
    echo "alsasink: non-silent runs (start frames value t): $runs"
    check "alsasink: one non-silent run" test "$(printf '%s\n' "$runs" | wc -l)" = 1
    check "alsasink: the run is 48000 frames (1 s)" test "$(cut -f2 <<<"$runs")" = 48000
    check "alsasink: no xruns" test "$(kv "$WORK/gst.wav.stamp" xruns)" = 0
    check "alsasink: gst-launch took >= 0.9 s" test $((t_b - t_a)) -ge 900000000
  else
    fail "gst-launch-1.0 ... ! alsasink device=loavcard_gst failed"
  fi
else
  echo "skip: gst-launch-1.0 or alsasink not available"
fi
finish
