#!/bin/sh
# Peak memory and time of `cnnclassify --format tsv TREE` on trees of many small files, to show
# that a folder walk's memory does not grow with the number of files. Makes, in a fresh directory
# under ${TMPDIR:-/tmp} (a tmpfs there keeps the disk out of the figures), trees of COUNT (a multiple of
# 1,000) copies of one 28×28 PNG, 1,000 to a folder, and prints one line per tree:
#   files  peak-MB  seconds  files/s
# Usage: benchmarks/many_files.sh [BINARY] [COUNT ...]   (default: .build/release/cnnclassify 10000 100000 300000)
set -eu
binary=${1:-.build/release/cnnclassify}
[ $# -gt 0 ] && shift
counts=${*:-10000 100000 300000}
work=$(mktemp -d "${TMPDIR:-/tmp}/cnnclassify-many.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
sample=$(dirname "$0")/../Samples/bag-crop.png
for count in $counts; do
    tree="$work/tree-$count"
    mkdir -p "$tree/0000"
    i=0
    while [ $i -lt 1000 ]; do ln "$sample" "$tree/0000/$(printf %04d $i).png" 2>/dev/null || cp "$sample" "$tree/0000/$(printf %04d $i).png"; i=$((i + 1)); done
    k=1
    while [ $k -lt $((count / 1000)) ]; do cp -r "$tree/0000" "$tree/$(printf %04d $k)"; k=$((k + 1)); done
    /usr/bin/time -f "%M %e" -o "$work/time" "$binary" --format tsv "$tree" > "$work/out.tsv"
    read -r peak seconds < "$work/time"
    rows=$(($(wc -l < "$work/out.tsv") - 1))
    awk -v n="$rows" -v kb="$peak" -v s="$seconds" 'BEGIN { printf "%d files  %.1f MB  %.2f s  %.0f files/s\n", n, kb / 1024, s, n / s }'
    rm -rf "$tree"
done
