#!/usr/bin/env bash
# Checks what dist/build.sh made, as a user's machine would see it:
#   - the .deb's metadata and file list (dpkg-deb --info / --contents);
#   - the menu entry (desktop-file-validate) and the MIME XML (xmllint, and
#     update-mime-database: *.mbox.gz must map to mailsift's type);
#   - the .deb installed with dpkg into a scratch root, then from there:
#     `mailsift --version` (version and this checkout's commit) and a CLI
#     import of the bundled sample, whose distinct messages must be the
#     number its README gives;
#   - the tarball unpacked, its binary finding the same sample.
# Needs dpkg, desktop-file-utils, libxml2-utils, shared-mime-info (.ci/run
# installs them). Usage: dist/check.sh [DIST_DIR]   (default target/dist)
set -euo pipefail

cd "$(dirname "$0")/.."
dist=${1:-target/dist}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
arch=$(dpkg --print-architecture)
deb="$dist/mailsift_${version}_${arch}.deb"
tarball="$dist/mailsift-$version-$(uname -m)-linux.tar.gz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "dist/check.sh: FAILED: $*" >&2; exit 1; }
[ -f "$deb" ] || fail "$deb is missing (run dist/build.sh first)"
[ -f "$tarball" ] || fail "$tarball is missing (run dist/build.sh first)"
(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match"

# --- metadata and contents ------------------------------------------------
info=$(dpkg-deb --info "$deb")
for field in "Package: mailsift" "Version: $version" "Architecture: $arch" "Depends: libc6 (>= " "Description: leaked email reader"; do
    grep -qF "$field" <<<"$info" || fail "control lacks '$field'"
done
contents=$(dpkg-deb --contents "$deb" | awk '{print $NF}')
for path in ./usr/bin/mailsift ./usr/share/applications/mailsift.desktop \
    ./usr/share/mime/packages/mailsift.xml \
    ./usr/share/icons/hicolor/scalable/apps/mailsift.svg \
    ./usr/share/icons/hicolor/256x256/apps/mailsift.png \
    ./usr/share/mailsift/sample_mbox/README.txt \
    ./usr/share/mailsift/sample_mbox/podesta/ \
    ./usr/share/doc/mailsift/copyright; do
    grep -qxF "$path" <<<"$contents" || fail "the .deb lacks $path"
done
if dpkg-deb --contents "$deb" | grep -v '^[d-]r[w-]xr-xr-x root/root\|^-rw-r--r-- root/root'; then
    fail "files above are not root-owned with the usual modes"
fi

# --- menu entry and file types -------------------------------------------
dpkg-deb -x "$deb" "$work/x"
# Errors fail; the one hint (two main categories, Office and Network, as
# asked) is expected and not shown.
desktop-file-validate "$work/x/usr/share/applications/mailsift.desktop" >"$work/dfv.log" 2>&1 \
    || { cat "$work/dfv.log" >&2; fail "desktop-file-validate refused the menu entry"; }
if grep -v 'contains more than one main category' "$work/dfv.log"; then
    fail "desktop-file-validate had more to say (above)"
fi
grep -qx 'Name=mailsift — leaked email reader' "$work/x/usr/share/applications/mailsift.desktop" \
    || fail "the menu entry's name"
xmllint --noout "$work/x/usr/share/mime/packages/mailsift.xml" || fail "MIME XML is not well-formed"
mkdir -p "$work/mime/packages"
cp /usr/share/mime/packages/freedesktop.org.xml "$work/x/usr/share/mime/packages/mailsift.xml" "$work/mime/packages/"
update-mime-database "$work/mime" >/dev/null 2>&1 || fail "update-mime-database refused the MIME XML"
grep -q '^[0-9]*:application/x-mailsift-mbox-gzip:\*\.mbox\.gz' "$work/mime/globs2" || fail "*.mbox.gz is not mailsift's type"
for t in application/mbox message/rfc822 application/x-mailsift-mbox-gzip inode/directory; do
    grep -q "^MimeType=.*$t;" "$work/x/usr/share/applications/mailsift.desktop" || fail "the menu entry does not open $t"
done

# --- installed into a scratch root ----------------------------------------
r="$work/root"
mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates"
touch "$r/var/lib/dpkg/status"
# libc6 and friends are not in the scratch root's database: --force-depends.
dpkg --root="$r" --force-depends --force-not-root --log=/dev/null -i "$deb" >"$work/dpkg.log" 2>&1 \
    || { cat "$work/dpkg.log" >&2; fail "dpkg -i into a scratch root"; }
dpkg --root="$r" -s mailsift | grep -q '^Status: install ok installed' || fail "dpkg did not install it"
commit=$(git rev-parse --short=12 HEAD)
got=$("$r/usr/bin/mailsift" --version)
[ "$got" = "mailsift $version (commit $commit)" ] || fail "--version printed '$got', expected 'mailsift $version (commit $commit)'"
expected=$(sed -n 's/^Distinct messages (byte-identical copies counted once): \([0-9]*\)$/\1/p' "$r/usr/share/mailsift/sample_mbox/README.txt")
[ -n "$expected" ] || fail "the sample's README does not say how many distinct messages it holds"
report=$(env HOME="$work/home" XDG_DATA_HOME="$work/home/data" \
    "$r/usr/bin/mailsift" import "$work/case" "$r/usr/share/mailsift/sample_mbox" --json --quiet) \
    || fail "importing the installed sample failed"
grep -q "^  \"messages\": *${expected},\$" <<<"$report" || fail "the case made from the sample does not hold its $expected distinct messages: $report"

# --- tarball --------------------------------------------------------------
tar -xzf "$tarball" -C "$work"
t="$work/mailsift-$version-$(uname -m)-linux"
[ "$("$t/bin/mailsift" --version)" = "$got" ] || fail "the tarball's binary is another build"
[ -x "$t/install.sh" ] || fail "the tarball lacks install.sh"
PREFIX="$work/user" "$t/install.sh" >/dev/null
if [ ! -x "$work/user/bin/mailsift" ] || [ ! -f "$work/user/share/mailsift/sample_mbox/README.txt" ]; then
    fail "install.sh did not install the program and the sample"
fi

echo "dist/check.sh: ok: $(basename "$deb") installs, validates, prints '$got' and imports the sample ($expected distinct messages); $(basename "$tarball") unpacks and installs"
