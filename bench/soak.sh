#!/usr/bin/env bash
# Steady mixed load against a real server, then reconciliation against its database:  bench/soak.sh [sqlite|postgres] [seconds=300] [ops/s=40]
# Imports (freshly minted cases), completes, returns, voids, store reads and transfers at a fixed rate; asserts zero
# 5xx and zero lost writes; samples the server's RSS every 5 s. Report: bench/results/soak-<provider>.md.
set -euo pipefail
PROVIDER=${1:-sqlite}
SECONDS_TOTAL=${2:-300}
RATE=${3:-40}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
WORK=$(mktemp -d /tmp/rt-soak-XXXXXX)
ADMIN_TOKEN=soak-admin-token-Jc3Fh7Ld1Sy5Pg8Rw
PORT=5200 PGPORT=5434
PIDS=()
# shellcheck source=common.sh
source "$HERE/common.sh"
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; stop_postgres; }
trap cleanup EXIT

build_release

app_database "$PROVIDER" "$PGPORT"

Database__Provider=$DB_PROVIDER ConnectionStrings__RetailTrace="$CS" \
  Admin__Token=$ADMIN_TOKEN Logging__LogLevel__Default=Warning ObjectStore__LocalPath="$WORK/exports" \
  dotnet "$APP_DLL" --urls "http://127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 & APID=$!; PIDS+=("$APID")
wait_ready "http://127.0.0.1:$PORT/readyz"

mkdir -p "$HERE/results"
echo "== soak: $PROVIDER, ${SECONDS_TOTAL}s at $RATE ops/s"
STATUS=0
dotnet "$BENCH_DLL" soak "http://127.0.0.1:$PORT" "$ADMIN_TOKEN" "$PROVIDER" "$CS" "$APID" "$SECONDS_TOTAL" "$RATE" "$HERE/results/soak-$PROVIDER.md" || STATUS=$?
if grep -q " 5[0-9][0-9] \|Unhandled\|fail:" "$WORK/server.log"; then echo "server log shows errors:"; grep -m 20 "fail:\|Unhandled" "$WORK/server.log"; STATUS=1; fi
exit $STATUS
