#!/usr/bin/env bash
# Builds kinerja_<version>_<arch>.deb with dpkg-deb from `make install` into a staging root (PREFIX=/usr).
#   scripts/make-deb.sh [OUT_DIR]      CONFIG=release (default) or debug; DEB_COMPRESSION=xz (default) or gzip
# The Swift runtime (libswiftCore, Foundation, Dispatch, ICU data) is not packaged by Debian: the toolchain's copies
# the binaries and plugins load are shipped under /usr/lib/kinerja/swift, and every ELF file's RUNPATH points there
# ($ORIGIN-relative). The release kinerjad and kinerjactl have the runtime linked in; the plugins link the shared one
# and run in kinerja-plugin-host (/usr/lib/kinerja), which does too: one shared copy in every process that maps them.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.}
config=${CONFIG:-release}
compression=${DEB_COMPRESSION:-xz}
for tool in dpkg-deb patchelf strip; do
  command -v "$tool" >/dev/null || { echo "make-deb: $tool missing (apt-get install dpkg-dev patchelf binutils)" >&2; exit 1; }
done
version=$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/KinerjaCore/Kinerja.swift)
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/kinerja_${version}_${arch}"
make --no-print-directory -s install DESTDIR="$root" PREFIX=/usr SYSCONFDIR=/etc CONFIG="$config" >/dev/null

# ELF files of the package, and the toolchain's libraries they load (ldd lists them transitively).
elves=$(cd "$root" && ls usr/bin/kinerjad usr/bin/kinerjactl usr/bin/kinerja-portal usr/lib/kinerja/kinerja-plugin-host usr/lib/kinerja/plugins/*.so)
swiftlib="$root/usr/lib/kinerja/swift"
install -d -m 0755 "$swiftlib"
for f in $elves; do ldd "$root/$f"; done | awk '$3 ~ /^\// {print $3}' | sort -u > "$work/libs"
grep -v -e '^/lib/' -e '^/usr/lib/' "$work/libs" | while read -r lib; do install -m 0644 "$lib" "$swiftlib/"; done
[ -e "$swiftlib/libswiftCore.so" ] || { echo "make-deb: no Swift runtime found through ldd" >&2; exit 1; }
for f in $elves; do strip --strip-unneeded "$root/$f"; done
strip --strip-unneeded "$swiftlib"/*.so
for f in usr/bin/kinerjad usr/bin/kinerjactl usr/bin/kinerja-portal; do patchelf --set-rpath '$ORIGIN/../lib/kinerja/swift' "$root/$f"; done
patchelf --set-rpath '$ORIGIN/swift' "$root/usr/lib/kinerja/kinerja-plugin-host"
for f in "$root"/usr/lib/kinerja/plugins/*.so; do patchelf --set-rpath '$ORIGIN/../swift' "$f"; done
for f in "$swiftlib"/*.so; do patchelf --set-rpath '$ORIGIN' "$f"; done

# The system libraries, as Depends: the Debian packages that hold them.
depends=$(grep -e '^/lib/' -e '^/usr/lib/' "$work/libs" | while read -r lib; do
  dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
done | cut -d: -f1 | sed 's/,.*//' | sort -u | tr '\n' ' ')
depends_line=$(printf '%s\n' $depends systemd 'init-system-helpers (>= 1.54~)' | sort -u | paste -sd, - | sed 's/,/, /g')

# Debian's documentation files.
doc="$root/usr/share/doc/kinerja"
install -m 0644 packaging/debian/copyright "$doc/copyright"
printf 'kinerja (%s) unstable; urgency=medium\n\n  * Release %s (see README.md).\n\n -- Kinerja developers <kinerja@example.go.id>  %s\n' \
  "$version" "$version" "$(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" | gzip -9n > "$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

install -d -m 0755 "$root/usr/share/lintian/overrides"
install -m 0644 packaging/debian/lintian-overrides "$root/usr/share/lintian/overrides/kinerja"

install -d -m 0755 "$root/DEBIAN"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
echo /etc/kinerja/kinerjad.toml > "$root/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: kinerja
Version: $version
Architecture: $arch
Maintainer: Kinerja developers <kinerja@example.go.id>
Installed-Size: $size
Depends: $depends_line
Section: admin
Priority: optional
Homepage: https://kinerja.example.go.id/
Description: performance management of Indonesian civil servants (ASN)
 Appraisal periods, performance plans (SKP), progress reports (realisasi),
 daily activity logs, ratings and predikat, the distribution curve, incentive
 pay (TPP), angka kredit and reminders, as PermenPANRB 6/2022 sets them out.
 .
 kinerjad owns the SQLite database and serves gRPC on a Unix socket under
 systemd; kinerjactl is its command line; kinerja-portal is the web portal
 for staff, supervisors and the public. Five agency plugins are included.
CONTROL
find "$root" -type d -exec chmod 0755 {} +
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums" "$root/DEBIAN/control" "$root/DEBIAN/conffiles"
mkdir -p "$out"
deb="$out/kinerja_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Z"$compression" --build "$root" "$deb" >/dev/null
echo "$deb"
