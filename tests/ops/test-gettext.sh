#!/usr/bin/env bash
# Translations: every string marked for translation in the sources today has
# a Vietnamese translation (none untranslated, none fuzzy), the catalogue
# passes msgfmt --check (format directives match), and `loa` speaks
# Vietnamese under LANG=vi_VN.UTF-8.
# Usage: test-gettext.sh SOURCE_DIR WORKDIR   (env: LOA)
set -uo pipefail
. "$(dirname "$0")/../playout/test-lib.sh"

src=$1 dir=$2
rm -rf "$dir"; mkdir -p "$dir"
xgettext_options=(--language=C --from-code=UTF-8 --keyword=_ --keyword=N_
                  --keyword=dngettext:2,3 --keyword=g_dngettext:2,3 --package-name=loa)
bash "$src/po/make-pot" xgettext "$src" "$dir/loa.pot" "${xgettext_options[@]}" 2> "$dir/xgettext.log"
[ -s "$dir/loa.pot" ] && ok "strings extracted ($(grep -c '^msgid ' "$dir/loa.pot") msgids)" \
  || { bad "xgettext failed"; cat "$dir/xgettext.log"; exit 1; }

if msgfmt --check --output-file=/dev/null "$src/po/vi.po" 2> "$dir/check.log"; then
  ok "vi.po passes msgfmt --check"
else
  bad "vi.po fails msgfmt --check"; head -20 "$dir/check.log"
fi

# Merge today's strings into a copy: what is new shows up untranslated.
msgmerge --quiet --no-fuzzy-matching --output-file="$dir/vi.po" "$src/po/vi.po" "$dir/loa.pot"
untranslated=$(msgattrib --untranslated --no-obsolete "$dir/vi.po" | grep -c '^msgid ' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$dir/vi.po" | grep -c '^msgid ' || true)
# The header entry counts as one msgid in each non-empty listing.
[ "$untranslated" -gt 0 ] && untranslated=$((untranslated - 1))
[ "$fuzzy" -gt 0 ] && fuzzy=$((fuzzy - 1))
if [ "$untranslated" -eq 0 ]; then ok "no untranslated string"
else
  bad "$untranslated strings have no Vietnamese translation (make loa-po-update, then translate po/vi.po):"
  msgattrib --untranslated --no-obsolete "$dir/vi.po" | grep -A1 '^#:' | grep '^#:' | head -20
fi
[ "$fuzzy" -eq 0 ] && ok "no fuzzy translation" || bad "$fuzzy fuzzy translations in po/vi.po"

if ! locale -a 2>/dev/null | grep -qi '^vi_VN\.utf-\?8$'; then
  bad "the vi_VN.UTF-8 locale is missing (scripts/install-deps generates it)"
  exit $fail
fi
export LC_ALL= LANGUAGE= LANG=vi_VN.UTF-8
expect "loa --help in Vietnamese" 0 "Lệnh:" "$LOA" --help
expect "loa status --help in Vietnamese" 0 "trạng thái|đang phát" "$LOA" status --help
cat > "$dir/loa.cfg" <<CFG
station = { id = "cai-khe"; };
database = "$dir/loa.db";
control_socket = "$dir/control";
lines = ( { id = "an-hoa"; output = "null"; } );
CFG
expect "loa status without a daemon, in Vietnamese" 1 "không liên lạc được" \
  "$LOA" --config "$dir/loa.cfg" status
LANG=C.UTF-8 expect "and in English under LANG=C" 1 "cannot reach the daemon" \
  "$LOA" --config "$dir/loa.cfg" status
exit $fail
