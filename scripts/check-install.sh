#!/usr/bin/env bash
# Checks `make install` and `make uninstall` in a scratch DESTDIR with the debug build (CI has no time for a
# release build): files land where they should, an existing config is never overwritten, uninstall
# removes what install added and keeps an edited config.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail() { echo "install-check: $*"; exit 1; }
make --no-print-directory -s install DESTDIR="$dest" PREFIX=/usr CONFIG=debug >/dev/null
for f in usr/bin/kinerjad usr/bin/kinerjactl usr/bin/kinerja-portal usr/lib/systemd/system/kinerja-portal.service \
         usr/share/kinerja/portal/strings.id.json usr/share/kinerja/portal/templates/layout.mustache usr/share/kinerja/portal/static/portal.css \
         usr/share/doc/kinerja/nginx-kinerja-portal.conf usr/lib/systemd/system/kinerjad.service usr/lib/systemd/system/kinerjad.socket \
         usr/lib/systemd/system/kinerjad-gateway.socket usr/lib/systemd/system/kinerjad@.service usr/lib/systemd/system/kinerjad@.socket \
         usr/share/man/man1/kinerjad.1.gz usr/share/man/man1/kinerjactl.1.gz usr/share/bash-completion/completions/kinerjactl \
         usr/share/zsh/vendor-completions/_kinerjactl \
         usr/lib/sysusers.d/kinerja.conf etc/kinerja/kinerjad.toml usr/share/doc/kinerja/README.md; do
  [ -e "$dest/$f" ] || fail "missing $f"
done
[ -d "$dest/usr/lib/kinerja/plugins" ] || fail "missing plugin directory"
[ -x "$dest/usr/lib/kinerja/kinerja-plugin-host" ] || fail "missing the plugin host usr/lib/kinerja/kinerja-plugin-host"
for p in gajahmungkur aceh bukittinggi kotalama kupang; do
  [ -e "$dest/usr/lib/kinerja/plugins/libkinerja-plugin-$p.so" ] || fail "missing plugin $p"
done
grep -q '^ExecStart=/usr/bin/kinerjad$' "$dest/usr/lib/systemd/system/kinerjad.service" || fail "ExecStart not rewritten for PREFIX"
grep -q '^ExecStart=/usr/bin/kinerja-portal .*--resources /usr/share/kinerja/portal$' "$dest/usr/lib/systemd/system/kinerja-portal.service" || fail "portal ExecStart not rewritten for PREFIX"
[ "$(stat -c %a "$dest/usr/bin/kinerjad")" = 755 ] || fail "kinerjad not 0755"
grep -q '^ExecStart=/usr/bin/kinerjad --config /etc/kinerja/%i.toml$' "$dest/usr/lib/systemd/system/kinerjad@.service" || fail "template ExecStart not rewritten"
zcat "$dest/usr/share/man/man1/kinerjactl.1.gz" | grep -q 'kinerjactl' || fail "kinerjactl.1 is empty"
grep -q 'kinerjactl' "$dest/usr/share/bash-completion/completions/kinerjactl" || fail "bash completion is empty"
echo '# edited by ops' >> "$dest/etc/kinerja/kinerjad.toml"
make --no-print-directory -s install DESTDIR="$dest" PREFIX=/usr CONFIG=debug >/dev/null
grep -q 'edited by ops' "$dest/etc/kinerja/kinerjad.toml" || fail "install overwrote an existing config"
make --no-print-directory -s uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null
left=$(cd "$dest" && find . -type f | sort)
[ "$left" = "./etc/kinerja/kinerjad.toml" ] || fail "uninstall left: $left"
echo "install/uninstall: ok"
