#!/usr/bin/env bash
# Build the GovDesk .deb for 统信UOS, 银河麒麟 and other Debian-based desktops from the
# PyInstaller onedir bundle (dist/govdesk, made by `pyinstaller build.spec`).
#
#   packaging/linux/build-deb.sh VERSION [--bundle DIR] [--out DIR] [--arch ARCH]
#                                [--server URL] [--ca-file FILE] [--policy FILE]
#                                [--compression xz|gzip]
#
# Layout (UOS application spec, plus what Kylin and plain Debian desktops look for):
#   /opt/apps/cn.gov.govdesk/files/                      the bundle (govdesk, govdesk-cli)
#   /opt/apps/cn.gov.govdesk/entries/applications/cn.gov.govdesk.desktop
#   /opt/apps/cn.gov.govdesk/entries/icons/hicolor/scalable/apps/cn.gov.govdesk.svg
#   /opt/apps/cn.gov.govdesk/info                        UOS manifest (JSON)
#   /usr/share/applications/cn.gov.govdesk.desktop       same desktop-file id: no duplicate
#   /usr/bin/govdesk -> /opt/apps/cn.gov.govdesk/files/govdesk
#   /usr/bin/govdesk-cli -> /opt/apps/cn.gov.govdesk/files/govdesk-cli  (self-test, diagnose)
#   /etc/govdesk/govdesk.toml                            conffile: upgrades keep local edits
#   /etc/govdesk/county-ca.pem, /etc/govdesk/policy.toml conffiles, only when given
# No maintainer scripts: installing never touches users' home folders or caches.
set -euo pipefail

APPID=cn.gov.govdesk
usage() { sed -n '5,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[[ $# -ge 1 ]] || usage
VERSION="$1"; shift
if ! [[ "$VERSION" =~ ^[0-9][A-Za-z0-9.+~-]*$ ]]; then
  echo "build-deb.sh: invalid Debian version: $VERSION" >&2; exit 2
fi
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUNDLE="$ROOT/dist/govdesk"
OUT="$ROOT/dist"
ARCH="$(dpkg --print-architecture)"
MAINTAINER="${DEB_MAINTAINER:-GovDesk 项目组 <govdesk@example.org>}"
SERVER="" CA_FILE="" POLICY="" COMPRESSION="xz"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bundle) BUNDLE="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --arch) ARCH="$2"; shift 2 ;;
    --server) SERVER="$2"; shift 2 ;;
    --ca-file) CA_FILE="$2"; shift 2 ;;
    --policy) POLICY="$2"; shift 2 ;;
    --compression) COMPRESSION="$2"; shift 2 ;;
    *) echo "build-deb.sh: unknown option $1" >&2; usage ;;
  esac
done
for exe in govdesk govdesk-cli; do
  if [[ ! -x "$BUNDLE/$exe" ]]; then
    echo "build-deb.sh: $BUNDLE/$exe missing: run 'pyinstaller build.spec --noconfirm' first" >&2
    exit 1
  fi
done
if [[ -n "$SERVER" && ! "$SERVER" =~ ^https?://[^[:space:]\"]+$ ]]; then
  echo "build-deb.sh: --server must be an http(s) URL: $SERVER" >&2; exit 2
fi
[[ -z "$CA_FILE" || -f "$CA_FILE" ]] || { echo "build-deb.sh: no such CA file: $CA_FILE" >&2; exit 1; }
[[ -z "$POLICY" || -f "$POLICY" ]] || { echo "build-deb.sh: no such policy file: $POLICY" >&2; exit 1; }
ICON="$ROOT/resources/icons/govdesk.svg"
[[ -f "$ICON" ]] || { echo "build-deb.sh: icon missing: $ICON" >&2; exit 1; }

STAGE="$(mktemp -d "${TMPDIR:-/tmp}/govdesk-deb.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
PKG="$STAGE/pkg"
APPDIR="$PKG/opt/apps/$APPID"
mkdir -p "$APPDIR/files" "$APPDIR/entries/applications" \
  "$APPDIR/entries/icons/hicolor/scalable/apps" "$PKG/usr/share/applications" \
  "$PKG/usr/bin" "$PKG/etc/govdesk" "$PKG/DEBIAN"

cp -a "$BUNDLE/." "$APPDIR/files/"
install -m 0644 "$ICON" "$APPDIR/entries/icons/hicolor/scalable/apps/$APPID.svg"
EXEC="/opt/apps/$APPID/files/govdesk"
sed -e "s|@EXEC@|$EXEC|" -e "s|@ICON@|$APPID|" "$HERE/$APPID.desktop" \
  > "$APPDIR/entries/applications/$APPID.desktop"
# Outside UOS the icon is not in an icon theme: name it by absolute path.
sed -e "s|@EXEC@|$EXEC|" -e "s|@ICON@|/opt/apps/$APPID/entries/icons/hicolor/scalable/apps/$APPID.svg|" \
  "$HERE/$APPID.desktop" > "$PKG/usr/share/applications/$APPID.desktop"
ln -s "$EXEC" "$PKG/usr/bin/govdesk"
# docs/deploy.md tells IT to run `govdesk-cli --self-test` and `govdesk-cli diagnose`.
ln -s "/opt/apps/$APPID/files/govdesk-cli" "$PKG/usr/bin/govdesk-cli"

cat > "$APPDIR/info" <<JSON
{
  "appid": "$APPID",
  "name": "GovDesk 政务桌面",
  "version": "$VERSION",
  "arch": ["$ARCH"],
  "permissions": {
    "autostart": false,
    "notification": true,
    "trayicon": true,
    "clipboard": true,
    "account": false,
    "bluetooth": false,
    "camera": false,
    "audio_record": false,
    "installed_apps": false
  }
}
JSON

# Machine config: the commented sample, with the county's presets when given.
CONF="$PKG/etc/govdesk/govdesk.toml"
{
  if [[ -n "$SERVER" || -n "$CA_FILE" ]]; then
    echo "# 本县预置 / county presets (build-deb.sh)"
    [[ -n "$SERVER" ]] && echo "server_url = \"$SERVER\""
    [[ -n "$CA_FILE" ]] && echo "ca_file = \"/etc/govdesk/county-ca.pem\""
    echo
  fi
  cat "$ROOT/packaging/config-samples/govdesk.toml"
} > "$CONF"
echo "/etc/govdesk/govdesk.toml" > "$PKG/DEBIAN/conffiles"
if [[ -n "$CA_FILE" ]]; then
  install -m 0644 "$CA_FILE" "$PKG/etc/govdesk/county-ca.pem"
  echo "/etc/govdesk/county-ca.pem" >> "$PKG/DEBIAN/conffiles"
fi
if [[ -n "$POLICY" ]]; then
  install -m 0644 "$POLICY" "$PKG/etc/govdesk/policy.toml"
  echo "/etc/govdesk/policy.toml" >> "$PKG/DEBIAN/conffiles"
fi

# Normalise permissions: the bundle's executables and shared objects stay executable.
find "$PKG" -type d -exec chmod 0755 {} +
find "$PKG" -type f ! -perm -u+x -exec chmod 0644 {} +
find "$PKG" -type f -perm -u+x -exec chmod 0755 {} +

# The oldest glibc the bundle can run on: dpkg then refuses a too-old system up front
# instead of the client crashing at start (build on the oldest target release).
GLIBC="$(find "$APPDIR/files" -type f \( -name '*.so*' -o -perm -u+x \) -print0 \
  | xargs -0 grep -a -o -h 'GLIBC_2\.[0-9]\+' 2>/dev/null | sed 's/GLIBC_//' | sort -u -V | tail -n 1 || true)"
GLIBC="${GLIBC:-2.28}"
INSTALLED_KB="$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)"

cat > "$PKG/DEBIAN/control" <<CONTROL
Package: $APPID
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $INSTALLED_KB
Depends: libc6 (>= $GLIBC), libglib2.0-0, libfontconfig1, libfreetype6, libdbus-1-3, libegl1, libgl1, libx11-6, libx11-xcb1, libxkbcommon0, libxkbcommon-x11-0, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-xfixes0, libxcb-xkb1
Recommends: fonts-noto-cjk | fonts-wqy-microhei | fonts-wqy-zenhei, fonts-noto-color-emoji, gnome-keyring | kwalletmanager
Provides: govdesk
Section: office
Priority: optional
Description: 政务桌面：县级政务平台的离线优先办公客户端
 GovDesk（政务桌面）是面向县级政府的办公桌面客户端：公文收件箱（待办、已办、检索）、
 签批（拟办、批示、承办、传阅，附意见、手写签名和数字签名）、通知公告（阅读、确认收到、发布）。
 .
 数据缓存在本地加密数据库中，乡镇网络中断数日也不丢失任何操作，联网后自动与县政务平台同步。
 机器配置位于 /etc/govdesk/govdesk.toml，升级时保留本地修改。
 .
 GovDesk is an offline-first desktop client for county e-government: incoming
 documents, sign-off and notices, synchronised with the county platform.
CONTROL

( cd "$PKG" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z \
    | xargs -0 md5sum ) > "$PKG/DEBIAN/md5sums"
chmod 0644 "$PKG/DEBIAN/control" "$PKG/DEBIAN/conffiles" "$PKG/DEBIAN/md5sums"

mkdir -p "$OUT"
DEB="$OUT/${APPID}_${VERSION}_${ARCH}.deb"
case "$COMPRESSION" in
  xz) ZOPTS=(-Zxz -z6) ;;
  gzip) ZOPTS=(-Zgzip -z1) ;;  # fast, for tests and trial builds
  *) echo "build-deb.sh: --compression xz|gzip" >&2; exit 2 ;;
esac
dpkg-deb --root-owner-group "${ZOPTS[@]}" --build "$PKG" "$DEB" >/dev/null
echo "$DEB"
