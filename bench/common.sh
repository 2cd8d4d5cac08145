# Sourced by run.sh and soak.sh (which set HERE, ROOT and WORK): Release builds of the server and the
# bench helper, a throwaway PostgreSQL cluster in $WORK on 127.0.0.1, and waiting for a server.

build_release() {
  echo "== building (Release)"
  dotnet build -c Release "$ROOT/src/RetailTrace" -v q -nologo >/dev/null
  dotnet build -c Release "$HERE/RetailTrace.Bench" -v q -nologo >/dev/null
  APP_DLL="$ROOT/src/RetailTrace/bin/Release/net10.0/RetailTrace.dll"
  BENCH_DLL="$HERE/RetailTrace.Bench/bin/Release/net10.0/RetailTrace.Bench.dll"
}

# start_postgres <port> <database>...   (extra server settings: PG_OPTS="-c name=value …")
start_postgres() {
  local port=$1; shift
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PGRUN=""; [ "$(id -u)" = 0 ] && { chown postgres "$WORK"; PGRUN="runuser -u postgres --"; }
  $PGRUN "$PGBIN/initdb" -D "$WORK/pg" -U postgres -A trust -E UTF8 >/dev/null
  $PGRUN "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -o "-p $port -k $WORK -c listen_addresses=127.0.0.1 ${PG_OPTS:-}" start >/dev/null
  for db in "$@"; do psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE $db"; done
}

stop_postgres() {
  if [ -n "${PGBIN:-}" ]; then $PGRUN "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true; fi
}

wait_ready() { for _ in $(seq 1 300); do curl -sf "$1" >/dev/null && return 0; sleep 0.2; done; echo "not ready: $1" >&2; exit 1; }

# app_database <sqlite|postgres> <pg port>: the server's database in $WORK (PostgreSQL is started on the port);
# sets CS and DB_PROVIDER for its ConnectionStrings__RetailTrace and Database__Provider settings.
app_database() {
  if [ "$1" = postgres ]; then
    start_postgres "$2" retailtrace
    CS="Host=127.0.0.1;Port=$2;Username=postgres;Database=retailtrace" DB_PROVIDER=Postgres
  else
    CS="Data Source=$WORK/retailtrace.db" DB_PROVIDER=Sqlite
  fi
}
