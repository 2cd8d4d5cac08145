#!/usr/bin/env bash
# Writes bench/results/<provider>-scale<scale>.md from one run's figures, then rebuilds bench/RESULTS.md.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PROVIDER=$1 SCALE=$2 DURATION=$3 TSV=$4 SEED_S=$5 MINT_S=$6 EXPORT_S=$7 EXPORT_PEAK=$8 RAW=$9 GEN=${10} LOAD_START=${11} LOAD_END=${12} FSYNC=${13:-}
mkdir -p "$HERE/results"
# LABEL (optional) names a run beside others of the same provider and scale, e.g. "before" and "after" a change.
OUT="$HERE/results/$PROVIDER-scale$SCALE${LABEL:+-$LABEL}.md"
get() { awk -F'\t' -v n="$1" -v c="$2" '$1==n {print $c}' "$TSV"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
field() { sed "s/.*$1=\([^ ]*\).*/\1/" <<<"$2"; }
RAW_S=$(field seconds "$RAW"); RAW_PEAK=$(field peak_mib "$RAW"); RAW_ROWS=$(field rows "$RAW")
GEN_S=$(field seconds "$GEN"); GEN_PEAK=$(field peak_mib "$GEN"); GEN_ROWS=$(field rows "$GEN")
INSERT=$(get baseline_insert 2); MEMORY=$(get baseline_store_page_from_memory 2)
{
  echo "## $PROVIDER, scale $SCALE${LABEL:+, $LABEL} ($(date -u +%Y-%m-%d), commit $(git -C "$HERE" rev-parse --short HEAD)$(git -C "$HERE" diff --quiet HEAD -- ../src || echo "+changes"), ${DURATION}s per load run after ${WARMUP:-0}s of warm-up, wrk -t2 -c32)"
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB; server, baselines and wrk on 127.0.0.1. Seeding (APIs + bulk rows through the server's EF model) took ${SEED_S%.*} s. Load average (1/5/15 min) at start: $LOAD_START; at end: $LOAD_END."
  echo
  echo "| scenario | req/s | p50 ms | p99 ms | errors | peak RSS MiB | ratio | target |"
  echo "|---|---|---|---|---|---|---|---|"
  row() { echo "| $1 | $(get "$2" 2) | $(get "$2" 3) | $(get "$2" 4) | $(get "$2" 5) | $(get "$2" 6) | $3 | $4 |"; }
  row "baseline: empty Kestrel JSON echo" baseline_echo "1.00" "—"
  row "baseline: one durable INSERT per request" baseline_insert "1.00" "—"
  [ -n "$FSYNC" ] && echo "| disk: append 128 KiB + fsync, 5 s ($(field count "$FSYNC") fsyncs; max $(field max_ms "$FSYNC") ms) | — | $(field p50_ms "$FSYNC") | $(field p99_ms "$FSYNC") | — | — | — | — |"
  row "transactions/complete, 5 items" complete_5_items "$(ratio "$(get complete_5_items 2)" "$INSERT") of INSERT" "≥ 0.50, p99 ≤ 25 ms"
  row "caseids/import, 100-item part" import_100_items "$(ratio "$(get import_100_items 2)" "$INSERT") of INSERT" "≥ 0.25"
  row "baseline: store page of 100 from memory" baseline_store_page_from_memory "1.00" "—"
  row "store batches?limit=100" store_batches_limit100 "$(ratio "$(get store_batches_limit100 2)" "$MEMORY") of memory" "≥ 0.50"
  row "brand batches page 1" brand_batches_page1 "1.00" "—"
  row "brand batches, middle 10% of pages" brand_batches_middle_pages "p99 $(ratio "$(get brand_batches_middle_pages 4)" "$(get brand_batches_page1 4)")× page 1" "≤ 2×"
  row "brand batches, last 10% of pages" brand_batches_deep_pages "p99 $(ratio "$(get brand_batches_deep_pages 4)" "$(get brand_batches_page1 4)")× page 1" "≤ 2×"
  echo
  echo "| one-off | seconds | peak RSS MiB | ratio | target |"
  echo "|---|---|---|---|---|"
  echo "| mint 10,000 LucidIDs (median of 5, HTTP round trip) | $(printf %.3f "$MINT_S") | — | — | ≤ 1 s |"
  echo "| raw SELECT … ORDER BY streamed to JSON ($RAW_ROWS rows) | $RAW_S | $RAW_PEAK | 1.00 | — |"
  echo "| ExportGenerator alone, own process ($GEN_ROWS LucidIDs) | $GEN_S | $GEN_PEAK | $(ratio "$GEN_S" "$RAW_S")× raw | ≤ 2×, ≤ 256 MiB |"
  echo "| package UID export via the server (trigger → file served, polled every 0.1 s) | $(printf %.2f "$EXPORT_S") | $EXPORT_PEAK (whole server) | $(ratio "$EXPORT_S" "$RAW_S")× raw | — |"
  echo
} >"$OUT"
cat "$OUT"
{
  cat "$HERE/RESULTS.head.md"
  for f in "$HERE"/results/*.md; do cat "$f"; done
} >"$HERE/RESULTS.md"
