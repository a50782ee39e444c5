#!/usr/bin/env bash
# vcard.analyze-errors: loavcard-analyze rejects unreadable/invalid input with
# exit status 2 and a message naming the file; tolerates a header whose data
# size was never patched (killed writer).
source "$(dirname "$0")/vcard_lib.sh"

# expect_exit2 DESC FILE_IN_MESSAGE ARGS...
expect_exit2() {
  local desc=$1 name=$2 rc=0
  shift 2
  "$ANALYZE" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  echo "$desc: exit $rc: $(cat "$WORK/err.txt")"
  check "$desc: exit status 2" test "$rc" = 2
  check "$desc: message names $name" grep -qF -- "$name" "$WORK/err.txt"
}

expect_exit2 "missing file" "$WORK/missing.wav" "$WORK/missing.wav"
head -c 5000 /dev/urandom >"$WORK/garbage.wav"
expect_exit2 "random bytes" "$WORK/garbage.wav" "$WORK/garbage.wav"
printf 'this is not a wav file\n' >"$WORK/text.wav"
expect_exit2 "text file" "$WORK/text.wav" "$WORK/text.wav"
printf 'RIFF\044\000\000\000WAVEfmt ' >"$WORK/short.wav"
expect_exit2 "truncated header" "$WORK/short.wav" "$WORK/short.wav"
expect_exit2 "directory" "$WORK" "$WORK"

make_wav "$WORK/ok.wav" 0:100 1000:480 0:20 -7:100
expect_exit2 "valid WAV without stamp" "$WORK/ok.wav.stamp" "$WORK/ok.wav"
printf 'rate=48000\n' >"$WORK/ok.wav.stamp"
expect_exit2 "stamp without t0" "$WORK/ok.wav.stamp" "$WORK/ok.wav"

printf 't0_realtime_ns=1000000000000000000\nrate=48000\nxruns=3\nframes=700\n' >"$WORK/ok.wav.stamp"
got=$("$ANALYZE" --format tsv "$WORK/ok.wav")
expected=$(printf '100\t480\t1000\t1000000000002083333\n600\t100\t-7\t1000000000012500000')
check "valid WAV: runs and realtime of each start" test "$got" == "$expected"
# a writer killed before patching the header: data size 0xFFFFFFFF
cp "$WORK/ok.wav" "$WORK/killed.wav"
cp "$WORK/ok.wav.stamp" "$WORK/killed.wav.stamp"
printf '\377\377\377\377' | dd of="$WORK/killed.wav" bs=1 seek=40 conv=notrunc status=none
got=$("$ANALYZE" --format tsv "$WORK/killed.wav")
check "data size 0xFFFFFFFF: uses the file size" test "$got" == "$expected"
# killed after a periodic header patch: audio continues past the data size
cp "$WORK/ok.wav" "$WORK/late.wav"
cp "$WORK/ok.wav.stamp" "$WORK/late.wav.stamp"
perl -e 'print pack("s<s<", 0, 0) x 10, pack("s<s<", 5, 5) x 50' >>"$WORK/late.wav"
got=$("$ANALYZE" --format tsv "$WORK/late.wav" | tail -n 1)
check "audio past the header's data size is read" test "$got" == "$(printf '710\t50\t5\t1000000000014791667')"
check "summary: total frames, xruns" \
  test "$(summary "$WORK/killed.wav" total_frames):$(summary "$WORK/killed.wav" xruns)" = "700:3"
rc=0
"$ANALYZE" --channel 5 "$WORK/ok.wav" >/dev/null 2>&1 || rc=$?
check "--channel beyond the file's channels is an error" test "$rc" != 0
finish
