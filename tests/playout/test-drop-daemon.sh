#!/usr/bin/env bash
# Integration: the daemon watches the culture office's drop folder
# (library.drop_folder): a spot dropped with its sidecar is ingested while the
# daemon runs (moved to done/, in the catalog with the sidecar's metadata), a
# file that is not audio goes to rejected/ with a reason in plain words; the
# daemon airs on meanwhile.
set -u
. "$(dirname "$0")/test-lib.sh"
work=$1
rm -rf "$work" && mkdir -p "$work/drop" && cd "$work" || exit 1
cat > loa.cfg <<EOT
station = { id = "drop-test"; };
database = "loa.db";
library = { path = "library"; drop_folder = "$work/drop"; drop_settle_seconds = 1; };
control_socket = "$work/control";
lines = ( { id = "a"; output = "null"; } );
EOT
L() { "$LOA" --config loa.cfg "$@"; }
L init > /dev/null || exit 1
"$LOA" --config loa.cfg run --for 10 2> run.log &
daemon=$!
sleep 2
"$DCWAV" "$work/tin-sang.wav" 48000 2 2000 48000 || exit 1
printf 'id = "TS-01";\ntitle = "Tin sáng về an toàn thông tin";\ncategory = "news";\ntopic = "attt";\n' > tin-sang.cfg
mv tin-sang.wav tin-sang.cfg drop/
echo "this is not audio" > drop/notes.mp3
wait $daemon || bad "daemon exit"
ls -R drop
[ -f drop/done/tin-sang.wav ] && ok "the dropped spot moved to done/" || bad "not in done/"
[ "$(sqlite3 loa.db "SELECT title || '|' || category || '|' || topic || '|' || status FROM spots WHERE id = 'TS-01'")" = \
  "Tin sáng về an toàn thông tin|news|attt|submitted" ] && ok "ingested with the sidecar's metadata, waiting for approval" ||
  bad "catalog: $(sqlite3 loa.db "SELECT * FROM spots")"
[ -f drop/rejected/notes.mp3 ] && [ -s drop/rejected/notes.mp3.error.txt ] && ok "the text file rejected with a reason" ||
  bad "notes.mp3 not rejected"
cat drop/rejected/notes.mp3.error.txt 2> /dev/null
[ $fail -ne 0 ] && cat run.log
exit $fail
