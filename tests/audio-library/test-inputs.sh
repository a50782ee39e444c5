#!/usr/bin/env bash
# What culture offices really send, through the real `loa spot add`:
#   - a 6-hour file is accepted and the ingest time reported;
#   - a video file: its audio track is used; a video without audio is refused;
#   - an image is refused naming the file; nothing is left behind;
#   - 8 kHz mono and 96 kHz 6-channel files are accepted as they are;
#   - a file name with spaces, Vietnamese letters and quotes is fine.
set -u
. "$(dirname "$0")/../playout/test-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cat > loa.cfg <<'EOT'
station = { id = "inputs"; };
database = "loa.db";
library = "library";
lines = ( { id = "a"; output = "null"; } );
EOT
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || exit 1
rows() { sqlite3 loa.db "SELECT count(*) FROM spots"; }
files() { find library -type f | wc -l; }

"$DCWAV" six-hours.wav 8000 1 3000 $(( 8000 * 6 * 3600 )) || exit 1
expect "a 6-hour file is accepted, with its ingest time" 0 '360:00\.000.*ingested in [0-9.]+ s' \
  L spot add six-hours.wav --id SIX --category other
rm -f six-hours.wav

gst-launch-1.0 -q videotestsrc num-buffers=60 ! video/x-raw,width=160,height=120,framerate=30/1 ! \
  vp8enc ! webmmux name=m ! filesink location=clip.webm \
  audiotestsrc num-buffers=100 ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! vorbisenc ! m. ||
  bad "make clip.webm"
expect "a video's audio track is used" 0 'Vorbis, 48000 Hz, 2 ch' L spot add clip.webm --id CLIP --category other
gst-launch-1.0 -q videotestsrc num-buffers=60 ! video/x-raw,width=160,height=120,framerate=30/1 ! \
  vp8enc ! webmmux ! filesink location=silent-clip.webm || bad "make silent-clip.webm"
before_rows=$(rows) before_files=$(files)
expect "a video without audio is refused, naming the file" 2 'silent-clip\.webm: .*no audio' \
  L spot add silent-clip.webm --id MUTE --category other
gst-launch-1.0 -q videotestsrc num-buffers=1 ! pngenc ! filesink location=poster.png || bad "make poster.png"
expect "an image is refused, naming the file" 2 'poster\.png: ' L spot add poster.png --id POSTER --category other
[ "$(rows)" = "$before_rows" ] && [ "$(files)" = "$before_files" ] &&
  ok "refusals leave the catalog and the library as they were" || bad "something was left behind"

"$DCWAV" phone.wav 8000 1 2000 16000 || exit 1
expect "8 kHz mono" 0 '8000 Hz, 1 ch' L spot add phone.wav --id PHONE --category news
sox -n -r 96000 -c 6 -b 24 studio.wav synth 2 sine 1000 vol 0.3 || bad "make studio.wav"
expect "96 kHz 6 channels" 0 '96000 Hz, 6 ch' L spot add studio.wav --id STUDIO --category news
name="Bản tin \"An toàn\" 'thông tin' số 1.wav"
"$DCWAV" "$name" 48000 2 1500 48000 || exit 1
expect "a name with spaces, Vietnamese letters and quotes" 0 'Added spot TEN' \
  L spot add "$name" --id TEN --category news
[ "$(sqlite3 loa.db "SELECT original_name FROM spots WHERE id = 'TEN'")" = "$name" ] &&
  ok "the original name is kept exactly" || bad "original name: $(sqlite3 loa.db "SELECT original_name FROM spots WHERE id = 'TEN'")"
exit $fail
