#!/bin/sh
# Runs the GNU parallel recipe of docs/batch.md on this machine and checks it: N shards of a tree
# classified as N processes, their TSV outputs merged, must equal one process's output row for row
# (after sorting by path, the merge's documented form; probabilities to within 2e-6). Prints the wall time of one process and of
# N processes × shards, each process given THREADS threads.
# Usage: benchmarks/parallel_recipe.sh TREE [N] [THREADS]   (needs GNU parallel: apt-get install parallel)
set -eu
tree=$1
shards=${2:-2}
threads=${3:-1}
binary=${CNNCLASSIFY:-.build/release/cnnclassify}
work=$(mktemp -d "${TMPDIR:-/tmp}/cnnclassify-parallel.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT INT TERM
now() { date +%s.%N; }

start=$(now)
"$binary" --threads "$threads" --format tsv --output "$work/single.tsv" "$tree"
middle=$(now)
seq "$shards" | parallel -j "$shards" "$binary" --threads "$threads" --format tsv \
    --shard auto --shards "$shards" --output "$work/part-{}.tsv" "$tree"
end=$(now)

# The merge: one header, then every shard's rows, sorted by path.
head -n 1 "$work/part-1.tsv" > "$work/merged.tsv"
for part in "$work"/part-*.tsv; do tail -n +2 "$part"; done | LC_ALL=C sort -t "$(printf '\t')" -k1,1 >> "$work/merged.tsv"
{ head -n 1 "$work/single.tsv"; tail -n +2 "$work/single.tsv" | LC_ALL=C sort -t "$(printf '\t')" -k1,1; } > "$work/single-sorted.tsv"
# Path, class and flag must be equal row for row; probabilities may differ in their sixth decimal,
# since sgemm's order of additions for an image can depend on the images batched with it.
verdict=$(paste "$work/merged.tsv" "$work/single-sorted.tsv" | awk -F '\t' -v half=14 '
    { for (i = 1; i <= half; i++) {
          a = $i; b = $(i + half)
          if ((i == 1 || i == 2 || i == 4) ? a != b : (a - b > 2e-6 || b - a > 2e-6)) { bad++; break } } }
    END { print bad ? "DIFFERENT (" bad " rows)" : "equal" }')
rows=$(($(wc -l < "$work/single.tsv") - 1))
awk -v n="$rows" -v a="$start" -v b="$middle" -v c="$end" -v k="$shards" -v t="$threads" -v v="$verdict" 'BEGIN {
    printf "%d files: 1 process × %d threads %.2f s (%.0f files/s); %d processes × %d threads %.2f s (%.0f files/s); merged output %s to the single run\n",
           n, t, b - a, n / (b - a), k, t, c - b, n / (c - b), v }'
[ "$verdict" = equal ]
