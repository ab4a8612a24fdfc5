#!/usr/bin/env bash
# The Debian package end to end (run by `make test` only with CI=true or as root: it installs into the machine):
# build it (debug build, as install-check: CI has no time for a release build), lintian reports no errors, dpkg -i,
# a daemon started the way kinerjad.service starts it (as the kinerja user, systemd's directories in its environment)
# answers `kinerjactl status` and loads a packaged plugin on the packaged Swift runtime, then remove and purge leave
# nothing of the package but the state directory.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "deb-check: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (it installs the package)"
if dpkg -s kinerja >/dev/null 2>&1; then fail "kinerja is already installed here; remove it first"; fi
out=$(mktemp -d)
tmp=$(mktemp -d)
state_existed=no; [ -e /var/lib/kinerja ] && state_existed=yes
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
  dpkg -P kinerja >/dev/null 2>&1 || true
  [ "$state_existed" = no ] && rm -rf /var/lib/kinerja
  rm -rf "$out" "$tmp"
}
trap cleanup EXIT

deb=$(CONFIG=debug DEB_COMPRESSION=gzip scripts/make-deb.sh "$out" | tail -1)
[ -f "$deb" ] || fail "no package built"
lintian --fail-on error --tag-display-limit 0 "$deb" > "$tmp/lintian" 2>&1 || { cat "$tmp/lintian"; fail "lintian reports errors"; }
warnings=$(grep -c '^W:' "$tmp/lintian" || true)
echo "deb-check: lintian: no errors, $warnings warnings"
grep '^W:' "$tmp/lintian" || true  # which ones (an accepted one is overridden in packaging/debian/lintian-overrides)
lintian_said=$([ "$warnings" = 0 ] && echo "lintian clean" || echo "no lintian errors ($warnings warnings)")
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' | grep -v '/$' > "$tmp/files"

dpkg -i "$deb" >/dev/null
for f in /usr/bin/kinerjad /usr/bin/kinerjactl /usr/bin/kinerja-portal /usr/lib/systemd/system/kinerjad.socket /usr/lib/systemd/system/kinerjad@.service \
         /usr/lib/kinerja/plugins/libkinerja-plugin-kupang.so /usr/lib/kinerja/swift/libswiftCore.so /etc/kinerja/kinerjad.toml \
         /usr/share/man/man1/kinerjactl.1.gz /usr/share/bash-completion/completions/kinerjactl; do
  [ -e "$f" ] || fail "missing after install: $f"
done
getent passwd kinerja >/dev/null || fail "postinst made no kinerja user"
getent group kinerja-admin >/dev/null || fail "postinst made no kinerja-admin group"
if ldd /usr/bin/kinerjad /usr/bin/kinerjactl /usr/lib/kinerja/kinerja-plugin-host /usr/lib/kinerja/plugins/*.so | grep -q '/opt/swift'; then fail "a packaged binary still loads the toolchain's Swift runtime"; fi
/usr/bin/kinerjactl --version | grep -qx "$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/KinerjaCore/Kinerja.swift)" || fail "kinerjactl --version"

# The daemon as kinerjad.service runs it: user kinerja, StateDirectory/RuntimeDirectory/ConfigurationDirectory, and
# the packaged kupang plugin loaded on the packaged runtime.
install -d -o kinerja -g kinerja -m 0750 /var/lib/kinerja /run/kinerja
cat > "$tmp/kinerjad.toml" <<CONF
[plugins]
dir = "/usr/lib/kinerja/plugins"
load = ["kupang"]
CONF
chmod 0644 "$tmp/kinerjad.toml"; chmod 0755 "$tmp"
STATE_DIRECTORY=/var/lib/kinerja RUNTIME_DIRECTORY=/run/kinerja CONFIGURATION_DIRECTORY=/etc/kinerja \
  setpriv --reuid=kinerja --regid=kinerja --init-groups /usr/bin/kinerjad --config "$tmp/kinerjad.toml" > "$tmp/kinerjad.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -S /run/kinerja/kinerja.sock ] && break; sleep 0.1; done
[ -S /run/kinerja/kinerja.sock ] || { cat "$tmp/kinerjad.log"; fail "the packaged daemon did not listen"; }
/usr/bin/kinerjactl status | grep -q 'schema version' || { cat "$tmp/kinerjad.log"; fail "kinerjactl status"; }
/usr/bin/kinerjactl plugin list | grep -q 'kupang.*loaded' || { /usr/bin/kinerjactl plugin list; cat "$tmp/kinerjad.log"; fail "the packaged plugin did not load"; }
pgrep -u kinerja -f '^/usr/lib/kinerja/kinerja-plugin-host plugin-host$' >/dev/null || { ps -ef; fail "the plugin does not run in /usr/lib/kinerja/kinerja-plugin-host"; }
kill "$pid"; wait "$pid" || true; pid=
rm -rf /run/kinerja

dpkg -r kinerja >/dev/null
[ -e /etc/kinerja/kinerjad.toml ] || fail "remove took the conffile (only purge does)"
[ -e /usr/bin/kinerjad ] && fail "remove left /usr/bin/kinerjad"
dpkg -P kinerja >/dev/null
while read -r f; do [ -e "$f" ] && fail "purge left $f"; done < "$tmp/files"
[ -e /etc/kinerja ] && fail "purge left /etc/kinerja"
[ -e /etc/systemd/system/sockets.target.wants/kinerjad.socket ] && fail "purge left the socket enabled"
[ -d /var/lib/kinerja ] || fail "purge removed the state directory"
echo "deb-check: $(basename "$deb"): $lintian_said, installed, served, removed and purged (state kept)"
