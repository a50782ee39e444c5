#!/usr/bin/env bash
# vcard.slow-disk: the card's own file work never holds up the card. Its
# recording and stamp are written by a thread of their own; here the first
# stamp cannot be written for 2 s (its temporary file is a FIFO nobody reads
# yet), and playback through the card must go on without an underrun and be
# recorded exactly. Before the writer thread, that stamp was written in the
# application's call, which then stalled 2 s and underran.
source "$(dirname "$0")/vcard_lib.sh"

add_pcm loavcard_slow "$WORK/slow.wav"
make_wav "$WORK/in.wav" 1000:48000 2000:96000 # 1 s of 1000, 2 s of 2000
mkfifo "$WORK/slow.wav.stamp.tmp"
# The reader comes 2 s after playback starts, longer than any buffer here.
(sleep 2 && cat "$WORK/slow.wav.stamp.tmp" >"$WORK/first-stamp") &
reader=$!

t_a=$(now_ns)
if ! timeout 20 aplay -q -D loavcard_slow "$WORK/in.wav"; then
  fail "aplay -D loavcard_slow failed"
fi
t_b=$(now_ns)
wait "$reader" || fail "the stamp's reader failed"
elapsed=$((t_b - t_a))
echo "aplay: took $((elapsed / 1000)) us for 3000000 us of audio"
check "the first stamp was held up and then written" grep -q '^xruns=' "$WORK/first-stamp"
check "the final stamp is a regular file" test -f "$WORK/slow.wav.stamp" -a ! -p "$WORK/slow.wav.stamp"
check "no underrun while the stamp could not be written" test "$(kv "$WORK/slow.wav.stamp" xruns)" = 0
check "playback took less than 3 s + 1 s" test "$elapsed" -lt 4000000000
t0=$(kv "$WORK/slow.wav.stamp" t0_realtime_ns)
segs=$("$ANALYZE" --format tsv --segments-by-value "$WORK/slow.wav")
expected=$(printf '0\t48000\t1000\t%s\n48000\t96000\t2000\t%s' "$t0" $((t0 + 1000000000)))
if ! check "recorded exactly 48000 x 1000 then 96000 x 2000 from frame 0" \
  test "$segs" == "$expected"; then
  echo "got:"; echo "$segs"; echo "expected:"; echo "$expected"
fi
finish
