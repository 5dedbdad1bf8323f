#!/bin/sh
# Opens a review page (specproof review ... --out DIR; DIR/review.html) in headless Chromium
# (Debian's `chromium` package), fails when the page logs anything to the console (a script
# error, a refused load), and writes a screenshot.
#
#   scripts/check-review-page.sh PAGE.html [SCREENSHOT.png]
#
# Exit 0: the page rendered with an empty console; 1: console messages (printed); 2: no
# Chromium or no page. Nothing is fetched: the page is self-contained and networking is off.
set -eu
page=${1:?usage: check-review-page.sh PAGE.html [SCREENSHOT.png]}
shot=${2:-}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "check-review-page: no chromium on PATH (apt-get install chromium)" >&2
    exit 2
fi
[ -f "$page" ] || { echo "check-review-page: no file $page" >&2; exit 2; }
abs=$(cd "$(dirname "$page")" && pwd)/$(basename "$page")
profile=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$profile" "$log"' EXIT
flags="--headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run --user-data-dir=$profile"
# The DOM after the scripts ran; the console goes to the log.
# shellcheck disable=SC2086
timeout 120 "$browser" $flags --enable-logging=stderr --v=0 --dump-dom "file://$abs" >/dev/null 2>"$log" || true
if grep -q ":CONSOLE" "$log"; then
    echo "check-review-page: $page logs to the console:" >&2
    grep ":CONSOLE" "$log" >&2
    exit 1
fi
if [ -n "$shot" ]; then
    # shellcheck disable=SC2086
    timeout 120 "$browser" $flags --hide-scrollbars --window-size=1400,1600 --screenshot="$shot" "file://$abs" >/dev/null 2>&1 || true
    [ -s "$shot" ] || { echo "check-review-page: no screenshot written" >&2; exit 1; }
fi
echo "check-review-page: $page renders with an empty console"
