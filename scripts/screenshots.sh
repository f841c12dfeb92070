#!/usr/bin/env bash
# Renders the golden brief (tests/golden/brief-2026-W28.html) in headless Chromium, light and
# dark, into docs/ (SCREENSHOT_DIR to write elsewhere), and fails if Chromium cannot render it.
# Needs Debian's `chromium` (.ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
chrome=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$chrome" ] || { echo "screenshots: chromium not found (apt-get install chromium)" >&2; exit 1; }
page="$PWD/tests/golden/brief-2026-W28.html"
out=${SCREENSHOT_DIR:-docs}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --hide-scrollbars --user-data-dir="$tmp/profile")

shot() { # name, extra flags...
  local name=$1; shift
  "$chrome" "${flags[@]}" "$@" --window-size=760,2200 --screenshot="$out/$name" "file://$page" 2>"$tmp/$name.log" \
    || { cat "$tmp/$name.log" >&2; exit 1; }
  [ "$(stat -c %s "$out/$name")" -gt 20000 ] || { echo "screenshots: $name looks blank" >&2; exit 1; }
}
shot brief-light.png
shot brief-dark.png --force-dark-mode --blink-settings=preferredColorScheme=0

echo "screenshots: wrote $out/brief-light.png and $out/brief-dark.png"
