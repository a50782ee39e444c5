#!/usr/bin/env bash
# The Debian package: cpack builds it from this build tree; its contents, its
# control data (dependencies, conffiles, maintainer scripts) are checked, and
# it is unpacked into a throwaway root where the unit is verified and the
# packaged binary runs and finds its Vietnamese catalogue.
# Usage: test-package.sh BUILD_DIR WORKDIR
set -uo pipefail
. "$(dirname "$0")/../playout/test-lib.sh"

build=$1 dir=$2
rm -rf "$dir"; mkdir -p "$dir/root"
if ! (cd "$build" && cpack -G DEB -B "$dir" > "$dir/cpack.log" 2>&1); then
  bad "cpack failed"; cat "$dir/cpack.log"; exit 1
fi
deb=$(ls "$dir"/loa_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] && ok "cpack built $(basename "$deb")" || { bad "no .deb"; exit 1; }

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' > "$dir/contents"
for f in /usr/bin/loa /lib/systemd/system/loa.service /etc/loa/loa.cfg \
         /usr/share/man/man1/loa.1 /usr/share/man/man5/loa.cfg.5 \
         /usr/share/locale/vi/LC_MESSAGES/loa.mo \
         /usr/share/doc/loa/control-protocol.md /usr/share/doc/loa/examples/loa.cfg; do
  grep -qx "$f" "$dir/contents" && ok "package has $f" || bad "package lacks $f"
done
if [ -e "$(dirname "$0")/../../man/loa-schedule.5" ]; then
  grep -qx /usr/share/man/man5/loa-schedule.5 "$dir/contents" && ok "package has loa-schedule.5" \
    || bad "package lacks loa-schedule.5"
fi
grep -q '^/usr/local' "$dir/contents" && bad "files under /usr/local" || ok "nothing under /usr/local"

dpkg-deb -e "$deb" "$dir/control"
depends=$(grep '^Depends:' "$dir/control/control")
for dep in libglib2.0-0 libgstreamer1.0-0 libsqlite3-0 libjson-glib-1.0-0 gstreamer1.0-alsa \
           gstreamer1.0-plugins-good adduser; do
  grep -q "$dep" <<< "$depends" && ok "depends on $dep" || bad "no dependency on $dep: $depends"
done
grep -qx /etc/loa/loa.cfg "$dir/control/conffiles" 2>/dev/null && ok "loa.cfg is a conffile" \
  || bad "loa.cfg is not a conffile"
grep -q 'adduser --system' "$dir/control/postinst" && ok "postinst creates the loa user" \
  || bad "postinst does not create the user"
grep -q 'adduser loa audio' "$dir/control/postinst" && ok "postinst puts loa in group audio" \
  || bad "postinst: audio group"
grep -q 'enable loa.service' "$dir/control/postinst" && ok "postinst enables the unit" \
  || bad "postinst does not enable the unit"
grep -v '^ *#' "$dir/control/postinst" | grep -Eq 'systemctl (--system )?(start|restart)|invoke-rc.d' \
  && bad "postinst starts the daemon" || ok "postinst does not start the daemon"
sh -n "$dir/control/postinst" && sh -n "$dir/control/prerm" && sh -n "$dir/control/postrm" \
  && ok "maintainer scripts parse" || bad "maintainer script syntax"

dpkg -x "$deb" "$dir/root"
unit=$dir/root/lib/systemd/system/loa.service
for key in Type=notify WatchdogSec= Restart=on-failure User=loa SupplementaryGroups=audio \
           StateDirectory=loa RuntimeDirectory=loa ProtectSystem=strict PrivateTmp=yes \
           NoNewPrivileges=yes ExecReload=; do
  grep -q "^$key" "$unit" && ok "unit has $key" || bad "unit lacks $key"
done
if command -v systemd-analyze > /dev/null; then
  # A copy whose ExecStart is the packaged binary (verify checks that it exists).
  mkdir -p "$dir/unit"
  sed "s|/usr/bin/loa|$dir/root/usr/bin/loa|g" "$unit" > "$dir/unit/loa.service"
  if out=$(systemd-analyze verify --man=no "$dir/unit/loa.service" 2>&1) \
     && ! grep -qi 'unknown\|invalid\|error\|ignoring' <<< "$out"; then
    ok "systemd-analyze verify"
  else
    bad "systemd-analyze verify: $out"
  fi
fi
expect "packaged loa runs" 0 "^loa " "$dir/root/usr/bin/loa" --version
if locale -a 2>/dev/null | grep -qi '^vi_VN\.utf-\?8$'; then
  expect "packaged loa speaks Vietnamese from its own share/locale" 0 "Lệnh" \
    env -u LOA_LOCALEDIR LC_ALL= LANGUAGE= LANG=vi_VN.UTF-8 "$dir/root/usr/bin/loa" --help
fi
exit $fail
