#!/bin/sh
# A 7000×7000 PNG, gray and RGB, flat with a darker block (deflate level 9, about 1,000:1): the
# whole-process time of `cnnclassify FILE` (median of 5) beside zlib's inflate of the same file's
# pixel data alone (benchmarks/inflate_idat.c, best of 5), which no PNG decoder built on zlib
# can go below. Needs python3 with Pillow and a C compiler.
# Usage: benchmarks/large_png.sh [BINARY]   (default: .build/release/cnnclassify)
set -eu
binary=${1:-.build/release/cnnclassify}
here=$(dirname "$0")
work=$(mktemp -d "${TMPDIR:-/tmp}/cnnclassify-large.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cc -O2 "$here/inflate_idat.c" -o "$work/inflate_idat" -lz
python3 - "$work" <<'PYTHON'
import sys
from PIL import Image
for mode, background, block in (("L", 200, 60), ("RGB", (200, 120, 40), (40, 60, 90))):
    image = Image.new(mode, (7000, 7000), background)
    image.paste(block, (2500, 2000, 4500, 5000))
    image.save(f"{sys.argv[1]}/{mode.lower()}.png", compress_level=9)
PYTHON
for kind in l rgb; do
    file="$work/$kind.png"
    times=$(for run in 1 2 3 4 5; do
        start=$(date +%s%N); "$binary" "$file" >/dev/null; end=$(date +%s%N)
        echo $(((end - start) / 1000000))
    done | sort -n | sed -n 3p)
    echo "$(basename "$file") ($(wc -c <"$file") bytes): cnnclassify ${times} ms whole process (median of 5)"
    "$work/inflate_idat" "$file" | sed 's|^[^:]*: |  zlib alone: |'
done
