#!/usr/bin/env bash
# Renders the sample HTML team report in headless Chromium and checks that
# the screenshot shows the heatmap: enough pixels of the heatmap's exact
# green (#2e7d32, gap 0) and red (#c62828, gap >= 2), laid out as a grid of
# cells (several separate green runs side by side on one screen line).
#
# Usage: report_browser_test.sh PATH/TO/report_html_sample
# Exit: 0 when the heatmap shows, 77 (ctest SKIP_RETURN_CODE) when no
# Chromium is installed, otherwise 1 with a message. CHROMIUM=/path picks the
# browser. On failure the temporary folder (report, screenshot, browser log)
# is kept and named.
set -uo pipefail

sample=${1:-}
if [ -z "$sample" ] || [ ! -x "$sample" ]; then
  echo "report_browser_test: usage: $0 PATH/TO/report_html_sample" >&2
  exit 1
fi

browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
  browser=$(command -v chromium || command -v chromium-browser || true)
fi
if [ -z "$browser" ]; then
  echo "report_browser_test: SKIPPED: chromium is not installed" \
       "(apt-get install chromium)" >&2
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/report-browser.XXXXXX") || exit 1
fail() {
  echo "report_browser_test: FAILED: $*" >&2
  echo "report_browser_test: files kept in $tmp" >&2
  exit 1
}

"$sample" "$tmp/report.html" || fail "$sample did not write the report"
[ -s "$tmp/report.html" ] || fail "empty report $tmp/report.html"

# No network, no first-run work, a throw-away profile; sRGB so that CSS
# colours land in the PNG unchanged.
timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic \
  --no-first-run --disable-background-networking --disable-component-update \
  --disable-sync --force-color-profile=srgb --hide-scrollbars \
  --user-data-dir="$tmp/profile" --window-size=1200,900 \
  --screenshot="$tmp/shot.png" "file://$tmp/report.html" \
  >"$tmp/chromium.log" 2>&1
status=$?
if [ ! -s "$tmp/shot.png" ]; then
  tail -n 20 "$tmp/chromium.log" >&2
  fail "no screenshot (chromium exit status $status)"
fi

/usr/bin/python3 - "$tmp/shot.png" <<'PY'
import struct
import sys
import zlib

GREEN = (0x2E, 0x7D, 0x32)  # gap 0
RED = (0xC6, 0x28, 0x28)    # gap >= 2
MIN_GREEN = 10000  # the sample has ~25 green cells of ~56x34 pixels
MIN_RED = 5000     # and ~13 red ones; the legend alone has < 1000 of each
MIN_RUN = 24       # pixels: one heatmap cell is wider than this
MIN_RUNS = 3       # green cells side by side on one line


def fail(message):
    print("report_browser_test: FAILED: " + message, file=sys.stderr)
    sys.exit(1)


def decode(path):
    """(width, height, channels, rows) of an 8-bit RGB/RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(path + " is not a PNG")
    pos, header, idat = 8, None, []
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None or not idat:
        fail("PNG without IHDR or IDAT")
    width, height, depth, color, _, _, interlace = header
    channels = {2: 3, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace != 0:
        fail("unsupported PNG: bit depth %d, colour type %d, interlace %d"
             % (depth, color, interlace))
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    if len(raw) != height * (stride + 1):
        fail("PNG data has %d bytes, expected %d"
             % (len(raw), height * (stride + 1)))
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:    # Sub
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:  # Up
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = prev[i]
                c = prev[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        elif kind != 0:
            fail("bad PNG filter type %d in row %d" % (kind, y))
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


width, height, channels, rows = decode(sys.argv[1])
green = red = 0
best_runs = 0  # most separate long green runs on one screen line
for line in rows:
    runs = run = 0
    for x in range(width):
        pixel = tuple(line[x * channels:x * channels + 3])
        if pixel == GREEN:
            green += 1
            run += 1
            continue
        if pixel == RED:
            red += 1
        if run >= MIN_RUN:
            runs += 1
        run = 0
    if run >= MIN_RUN:
        runs += 1
    best_runs = max(best_runs, runs)

print("report_browser_test: %dx%d screenshot: %d green (#2e7d32) and %d red "
      "(#c62828) pixels; up to %d green cells side by side"
      % (width, height, green, red, best_runs))
if green < MIN_GREEN:
    fail("only %d pixels of the heatmap green, expected >= %d"
         % (green, MIN_GREEN))
if red < MIN_RED:
    fail("only %d pixels of the heatmap red, expected >= %d" % (red, MIN_RED))
if best_runs < MIN_RUNS:
    fail("no line with %d green cells side by side: no heatmap grid"
         % MIN_RUNS)
PY
[ $? -eq 0 ] || fail "the screenshot does not show the heatmap"

rm -rf "$tmp"
echo "report_browser_test: OK"
exit 0
