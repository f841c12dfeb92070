#!/usr/bin/env bash
# Renders the brief of 2026-W28 (the demo's brief.html, chart included) in headless Chromium,
# light, dark and at a phone's width, into docs/ (SCREENSHOT_DIR to write elsewhere), and fails if Chromium cannot
# render it.
# Needs Debian's `chromium` (.ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
chrome=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$chrome" ] || { echo "screenshots: chromium not found (apt-get install chromium)" >&2; exit 1; }
out=${SCREENSHOT_DIR:-docs}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo build -q --release
target/release/modelbrief demo --dir "$tmp/demo" >/dev/null
page="$tmp/demo/brief.html"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --hide-scrollbars --user-data-dir="$tmp/profile")

shot() { # name, extra flags...
  local name=$1; shift
  "$chrome" "${flags[@]}" --window-size=${SIZE:-760,2900} "$@" --screenshot="$out/$name" "file://$page" 2>"$tmp/$name.log" \
    || { cat "$tmp/$name.log" >&2; exit 1; }
  [ "$(stat -c %s "$out/$name")" -gt 20000 ] || { echo "screenshots: $name looks blank" >&2; exit 1; }
}
shot brief-light.png
shot brief-dark.png --force-dark-mode --blink-settings=preferredColorScheme=0
# A phone's width (390 CSS px): the chart is one panel per row, its labels drawn to read there.
SIZE=390,3200 shot brief-phone.png

# The subscribe page, served by the real binary.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$tmp/web.toml" <<TOML
[database]
path = "$tmp/web.db"
[web]
listen = "127.0.0.1:$port"
base_url = "http://127.0.0.1:$port"
TOML
MODELBRIEF__TOKENS__SECRET=screenshot-secret-screenshot-secret-0000 target/release/modelbrief --config "$tmp/web.toml" serve >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz')" 2>/dev/null && break; sleep 0.1; done
page="http://127.0.0.1:$port/"
shot_url() { # name url, extra flags...
  local name=$1 url=$2; shift 2
  "$chrome" "${flags[@]}" "$@" --window-size=760,900 --screenshot="$out/$name" "$url" 2>"$tmp/$name.log" \
    || { cat "$tmp/$name.log" >&2; kill $server; exit 1; }
}
shot_url subscribe-light.png "$page"
shot_url subscribe-dark.png "$page" --force-dark-mode --blink-settings=preferredColorScheme=0
kill $server
echo "screenshots: wrote $out/brief-{light,dark}.png and $out/subscribe-{light,dark}.png"
