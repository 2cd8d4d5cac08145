#!/usr/bin/env bash
# Reproduces every figure in bench/RESULTS.md:  bench/run.sh [sqlite|postgres] [scale] [seconds]
#   scale 1.0 = 1M LucidIDs / 20k cases / 10k package UIDs / 200k transactions / 100k brand + 100k store batches.
# Server, baselines and wrk share this machine's cores on 127.0.0.1; every load run is bounded in time.
set -euo pipefail
PROVIDER=${1:-sqlite}
SCALE=${2:-1.0}
DURATION=${3:-10}
WARMUP=${WARMUP:-15}
CONNECTIONS=32
THREADS=2
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
WORK=$(mktemp -d /tmp/rt-bench-XXXXXX)
export LUA_DIR="$HERE/lua" POOL_DIR="$WORK/pools" THREADS WARMUP RUN_ID="r$(date +%s)"
ADMIN_TOKEN=bench-admin-token-Zr4Kp8Wm2Qx6Vn9Tb
APP_PORT=5100 BASE_PORT=5101
PIDS=()
# WARMUP=<seconds> (default 15, 0 for none) of unmeasured load precede every measured run (a path a
# server has not taken yet needs 15–20 s under load to reach its steady rate on two cores: RESULTS.md, finding 31).
# KEEP_WORK=1 keeps the databases, logs and id pools in $WORK for a look afterwards.
# ONLY=<regex> runs only the load scenarios whose names match (baselines included), prints them and
# writes no report: the loop for tuning one path, e.g. ONLY='insert|complete' bench/run.sh sqlite 0.02 5.
# PostgreSQL only: APP_POOL sets Maximum Pool Size of the server and the baselines (default 16: on two
# cores 16 beat 64 on complete p99, RESULTS.md finding 24); PG_EXTRA adds server settings, e.g.
# PG_EXTRA='-c log_min_duration_statement=50 -c log_checkpoints=on' with KEEP_WORK=1 to read pg.log.
# shellcheck source=common.sh
source "$HERE/common.sh"
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_postgres
  if [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is required: apt-get install wrk" >&2; exit 1; }
build_release

if [ "$PROVIDER" = postgres ]; then
  PG_OPTS="-c max_connections=200 -c shared_buffers=512MB ${PG_EXTRA:-}" start_postgres 5433 retailtrace baseline
  APP_CS="Host=127.0.0.1;Port=5433;Username=postgres;Database=retailtrace;Maximum Pool Size=${APP_POOL:-16}"
  BASE_CS="Host=127.0.0.1;Port=5433;Username=postgres;Database=baseline;Maximum Pool Size=${APP_POOL:-16}"
else
  APP_CS="Data Source=$WORK/retailtrace.db"
  BASE_CS="Data Source=$WORK/baseline.db"
fi

peak_reset() { echo 5 > "/proc/$1/clear_refs" 2>/dev/null || true; }
peak_mib() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
RESULTS="$WORK/results.tsv"
# scenario  rps  p50  p99  errors  peak_mib
load() { # name pid url script [extra env...]
  local name=$1 pid=$2 url=$3 script=$4; shift 4
  if [ -n "${ONLY:-}" ] && ! [[ $name =~ $ONLY ]]; then return 0; fi
  # Warm-up, not measured: a fresh process runs its first seconds on unoptimized (tier-0) code, and
  # the JIT's background compiles compete with the load for the two cores. Pools are read from
  # their other end and order ids get their own prefix, so the measured run sells fresh units.
  if [ "$WARMUP" != 0 ]; then
    env "$@" RUN_ID="w$RUN_ID" POOL_FROM_END=1 wrk -t$THREADS -c$CONNECTIONS -d${WARMUP}s -s "$LUA_DIR/$script" "$url" >/dev/null
  fi
  peak_reset "$pid"
  local line; line=$(env "$@" wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -s "$LUA_DIR/$script" "$url" | grep '^RESULT')
  local rps p50 p99 errs
  rps=$(sed 's/.*rps=\([^ ]*\).*/\1/' <<<"$line"); p50=$(sed 's/.*p50_ms=\([^ ]*\).*/\1/' <<<"$line")
  p99=$(sed 's/.*p99_ms=\([^ ]*\).*/\1/' <<<"$line"); errs=$(sed 's/.*errors=\([^ ]*\).*/\1/' <<<"$line")
  printf "%s\t%s\t%s\t%s\t%s\t%s\n" "$name" "$rps" "$p50" "$p99" "$errs" "$(peak_mib "$pid")" | tee -a "$RESULTS"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== baselines ($PROVIDER)"
dotnet "$BENCH_DLL" baseline "$PROVIDER" "$BASE_CS" "http://127.0.0.1:$BASE_PORT" >"$WORK/baseline.log" 2>&1 & BPID=$!; PIDS+=("$BPID")
sleep 2; wait_ready "http://127.0.0.1:$BASE_PORT/healthz" 2>/dev/null || true
load baseline_echo "$BPID" "http://127.0.0.1:$BASE_PORT/echo" echo.lua
load baseline_insert "$BPID" "http://127.0.0.1:$BASE_PORT/insert" insert.lua
kill "$BPID"
# The disk under every durable COMMIT, in the same run: append 128 KiB + fsync for 5 s.
FSYNC_LINE=$(dotnet "$BENCH_DLL" fsync "$WORK" 5); echo "$FSYNC_LINE"

echo "== RetailTrace ($PROVIDER), seeding at scale $SCALE"
# Exports__PollSeconds=0: the daily export scheduler stays off, so the seeded dispensary's export (due
# as soon as the server starts) does not run during the load scenarios; the export is measured on its own below.
Database__Provider=$([ "$PROVIDER" = postgres ] && echo Postgres || echo Sqlite) ConnectionStrings__RetailTrace="$APP_CS" \
  Admin__Token=$ADMIN_TOKEN RateLimit__PermitsPerSecond=10000000 RateLimit__Burst=10000000 Logging__LogLevel__Default=Warning \
  ObjectStore__LocalPath="$WORK/exports" Exports__PollSeconds=0 \
  dotnet "$APP_DLL" --urls "http://127.0.0.1:$APP_PORT" >"$WORK/server.log" 2>&1 & APID=$!; PIDS+=("$APID")
wait_ready "http://127.0.0.1:$APP_PORT/readyz"
SEED_START=$(date +%s.%N)
dotnet "$BENCH_DLL" seed "http://127.0.0.1:$APP_PORT" "$ADMIN_TOKEN" "$SCALE" "$POOL_DIR" "$PROVIDER" "$APP_CS"
SEED_SECONDS=$(echo "$(date +%s.%N) - $SEED_START" | bc)
# shellcheck disable=SC1091
source "$POOL_DIR/env.sh"
APP="http://127.0.0.1:$APP_PORT"

# The store page's baseline serves the page RetailTrace answers, from memory. It runs here, while the
# server and the database are idle: after the scenarios, PostgreSQL's autovacuum of their updates
# competed with it for the cores.
echo "== in-memory serialization baseline for the store page"
curl -s "$APP/api/v1/partner/store/batches?limit=100" -H "partner_key: $PARTNER_KEY" -H "Authorization: $DEV_KEY" >"$WORK/store_page.json"
dotnet "$BENCH_DLL" baseline "$PROVIDER" "$BASE_CS" "http://127.0.0.1:$BASE_PORT" "$WORK/store_page.json" >>"$WORK/baseline.log" 2>&1 & BPID=$!; PIDS+=("$BPID")
sleep 2; wait_ready "http://127.0.0.1:$BASE_PORT/healthz" 2>/dev/null || true
load baseline_store_page_from_memory "$BPID" "http://127.0.0.1:$BASE_PORT/memory-batches" get.lua PATH_PREFIX="/memory-batches"
kill "$BPID"

echo "== scenarios"
load complete_5_items "$APID" "$APP" complete.lua
load import_100_items "$APID" "$APP" import.lua
load store_batches_limit100 "$APID" "$APP" get.lua PATH_PREFIX="/api/v1/partner/store/batches?limit=100" PARTNER_KEY_HDR="$PARTNER_KEY" DEV_KEY_HDR="$DEV_KEY"
load brand_batches_page1 "$APID" "$APP" get.lua PATH_PREFIX="/api/v1.5/batches/?page=1" BEARER="$BTOKEN"
# The deepest pages of an OFFSET walk are the middle ones (a page is read from the nearer end), plus the last tenth.
MID_FROM=$(( BRAND_BATCH_PAGES * 9 / 20 )); MID_TO=$(( BRAND_BATCH_PAGES * 11 / 20 ))
load brand_batches_middle_pages "$APID" "$APP" get.lua PATH_PREFIX="/api/v1.5/batches/?page=" PAGE_FROM=$MID_FROM PAGE_TO=$MID_TO BEARER="$BTOKEN"
DEEP_FROM=$(( BRAND_BATCH_PAGES * 9 / 10 )); DEEP_TO=$(( BRAND_BATCH_PAGES - 1 ))
load brand_batches_deep_pages "$APID" "$APP" get.lua PATH_PREFIX="/api/v1.5/batches/?page=" PAGE_FROM=$DEEP_FROM PAGE_TO=$DEEP_TO BEARER="$BTOKEN"

# How many of the scenarios' unit updates PostgreSQL made HOT (new version on the same page, no index writes).
HOT_LINE=""
if [ "$PROVIDER" = postgres ]; then
  sleep 1 # backends flush their table statistics at most once a second
  HOT_LINE=$(psql -h 127.0.0.1 -p 5433 -U postgres -d retailtrace -Atc \
    "SELECT 'lucid_items updates=' || n_tup_upd || ' hot=' || n_tup_hot_upd || ' pages=' || pg_relation_size('lucid_items') / 8192 FROM pg_stat_user_tables WHERE relname = 'lucid_items'")
  echo "$HOT_LINE"
fi
if [ -n "${ONLY:-}" ]; then echo "== ONLY=$ONLY: figures above, no report written"; exit 0; fi

echo "== minting 10,000 LucidIDs (5 runs)"
MINT_TIMES=()
for _ in 1 2 3 4 5; do
  MINT_TIMES+=("$(curl -s -o /dev/null -w '%{time_total}' -X POST "$APP/api/v1.5/cases/create/" -H "Authorization: Bearer $BTOKEN" \
    -H 'Content-Type: application/json' -d "{\"contents\":[{\"packaged_product_uuid\":\"$PP_UUID\",\"quantity\":10000}]}")")
done
MINT_MEDIAN=$(printf "%s\n" "${MINT_TIMES[@]}" | sort -n | sed -n 3p)

echo "== package UID export"
peak_reset "$APID"
EXPORT_START=$(date +%s.%N)
curl -s -o /dev/null -X POST "$APP/admin/v1/dispensaries/$DISPENSARY_UUID/package-uid-exports" -H "Authorization: Bearer $ADMIN_TOKEN"
for _ in $(seq 1 1200); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$APP/api/v1.2/package-uids-export/" -H "Authorization: Bearer $DTOKEN")
  [ "$code" = 200 ] && break; sleep 0.1
done
EXPORT_SECONDS=$(echo "$(date +%s.%N) - $EXPORT_START" | bc)
EXPORT_PEAK=$(peak_mib "$APID")
kill "$APID"

echo "== export: raw baseline and the generator alone, each in its own process, twice (the faster run counts)"
RAW_LINES=() GEN_LINES=()
for _ in 1 2; do
  RAW_LINES+=("$(dotnet "$BENCH_DLL" export-raw "$PROVIDER" "$APP_CS" "$DISPENSARY_UUID" "$WORK/raw-export.json")")
  GEN_LINES+=("$(dotnet "$BENCH_DLL" export-generator "$PROVIDER" "$APP_CS" "$DISPENSARY_UUID" "$WORK/gen-export.json")")
done
printf "%s\n" "${RAW_LINES[@]}" "${GEN_LINES[@]}"
fastest() { printf "%s\n" "$@" | sort -t= -k2 -n | head -1; }
RAW_LINE=$(fastest "${RAW_LINES[@]}"); GEN_LINE=$(fastest "${GEN_LINES[@]}")
LOAD_AVG=$(cut -d' ' -f1-3 /proc/loadavg)

"$HERE/report.sh" "$PROVIDER" "$SCALE" "$DURATION" "$RESULTS" "$SEED_SECONDS" "$MINT_MEDIAN" "$EXPORT_SECONDS" "$EXPORT_PEAK" "$RAW_LINE" "$GEN_LINE" "$LOAD_START" "$LOAD_AVG" "$FSYNC_LINE"
