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
ADMIN_TOKEN=soak-admin-token
PORT=5200 PGPORT=5434
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; [ -n "${PGBIN:-}" ] && $PGRUN "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "== building (Release)"
dotnet build -c Release "$ROOT/src/RetailTrace" -v q -nologo >/dev/null
dotnet build -c Release "$HERE/RetailTrace.Bench" -v q -nologo >/dev/null
APP_DLL="$ROOT/src/RetailTrace/bin/Release/net10.0/RetailTrace.dll"
BENCH_DLL="$HERE/RetailTrace.Bench/bin/Release/net10.0/RetailTrace.Bench.dll"

if [ "$PROVIDER" = postgres ]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PGRUN=""; [ "$(id -u)" = 0 ] && { chown postgres "$WORK"; PGRUN="runuser -u postgres --"; }
  $PGRUN "$PGBIN/initdb" -D "$WORK/pg" -U postgres -A trust -E UTF8 >/dev/null
  $PGRUN "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -o "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1" start >/dev/null
  psql -h 127.0.0.1 -p $PGPORT -U postgres -qc "CREATE DATABASE retailtrace"
  CS="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=retailtrace"
else
  CS="Data Source=$WORK/retailtrace.db"
fi

Database__Provider=$([ "$PROVIDER" = postgres ] && echo Postgres || echo Sqlite) ConnectionStrings__RetailTrace="$CS" \
  Admin__Token=$ADMIN_TOKEN Logging__LogLevel__Default=Warning ObjectStore__LocalPath="$WORK/exports" \
  dotnet "$APP_DLL" --urls "http://127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 & APID=$!; PIDS+=("$APID")
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

mkdir -p "$HERE/results"
echo "== soak: $PROVIDER, ${SECONDS_TOTAL}s at $RATE ops/s"
STATUS=0
dotnet "$BENCH_DLL" soak "http://127.0.0.1:$PORT" "$ADMIN_TOKEN" "$PROVIDER" "$CS" "$APID" "$SECONDS_TOTAL" "$RATE" "$HERE/results/soak-$PROVIDER.md" || STATUS=$?
if grep -q " 5[0-9][0-9] \|Unhandled\|fail:" "$WORK/server.log"; then echo "server log shows errors:"; grep -m 20 "fail:\|Unhandled" "$WORK/server.log"; STATUS=1; fi
exit $STATUS
