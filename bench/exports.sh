#!/usr/bin/env bash
# Package UID export benchmark: 1,000,000 LucidIDs across 10,000 package UIDs on SQLite.
# Each phase is its own process, so each peak working set is that phase's own.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build -c Release bench/ExportBench >/dev/null
bin=bench/ExportBench/bin/Release/net10.0/ExportBench
"$bin" fill "$work/bench.db" "${1:-10000}" "${2:-100}"
"$bin" raw "$work/bench.db" "$work/raw.json"
"$bin" export "$work/bench.db" "$work/export.json"
"$bin" raw "$work/bench.db" "$work/raw.json"
"$bin" export "$work/bench.db" "$work/export.json"
head -c 200 "$work/export.json"; echo
