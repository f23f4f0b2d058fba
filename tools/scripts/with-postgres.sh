#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server on loopback, then stops the server and deletes
# its data whatever the command's outcome.
#
# Usage: tools/scripts/with-postgres.sh CMD [ARGS...]
#
# The command sees BERTH_TEST_POSTGRES_URL=postgres://berth:PASSWORD@127.0.0.1:PORT/berth (a
# superuser with a random password, scram-sha-256 on 127.0.0.1 only) and BERTH_REQUIRE_POSTGRES=1,
# so tests that need the server fail instead of skipping. The server never runs as root: under root
# it runs as the `postgres` system user (created if missing). Installs PostgreSQL if it is missing.
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 64; }
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

find_bin() {
  local dir
  # Newest installed major version first.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

bin="$(find_bin || true)"
if [ -z "$bin" ]; then
  "$repo/tools/scripts/install-deps.sh" postgresql
  bin="$(find_bin)" || { echo "with-postgres: PostgreSQL server binaries not found after install" >&2; exit 1; }
fi

# initdb and postgres refuse to run as root, and the server should not have root's powers anyway.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id -u postgres >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
  fi
  as_owner=(runuser -u postgres --)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/berth-postgres.XXXXXX")"
[ ${#as_owner[@]} -gt 0 ] && chown postgres: "$work"
chmod 700 "$work"
data="$work/data"
log="$work/server.log"
started=0

cleanup() {
  local status=$?
  if [ "$started" -eq 1 ]; then
    (cd "$work" && "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1) || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

password="$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$password" >"$work/pwfile"
[ ${#as_owner[@]} -gt 0 ] && chown postgres: "$work/pwfile"

# Run from the work folder: the server's user may not be allowed into the caller's directory.
(cd "$work" && "${as_owner[@]}" "$bin/initdb" -D "$data" -U berth --pwfile="$work/pwfile" \
  --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1) \
  || { cat "$work/initdb.log" >&2; exit 1; }
rm -f "$work/pwfile"

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Below the kernel's ephemeral range (a port inside it can be a client connection's, which no
# connect check sees). A port can still be taken between the check and the bind: try a few.
read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range || ephemeral_low=32768
[ "$ephemeral_low" -gt 11000 ] || ephemeral_low=32768
for attempt in 1 2 3 4 5; do
  port=$((10000 + (RANDOM * 32768 + RANDOM) % (ephemeral_low - 10000)))
  port_is_free "$port" || continue
  options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$work -c max_connections=300"
  # Prepared transactions enabled, as on servers that use two-phase commit: a migration must not
  # be able to leave one behind.
  options+=" -c max_prepared_transactions=16"
  # Durability is pointless for a server deleted at exit; speed is not.
  options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if (cd "$work" && "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -l "$log" -o "$options" -w -t 30 start >/dev/null 2>&1); then
    started=1
    break
  fi
  (cd "$work" && "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1) || true
done
if [ "$started" -ne 1 ]; then
  echo "with-postgres: the server did not start; its log:" >&2
  cat "$log" >&2 2>/dev/null || true
  exit 1
fi

PGPASSWORD="$password" "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U berth -d postgres \
  -c "CREATE DATABASE berth" >/dev/null

export BERTH_TEST_POSTGRES_URL="postgres://berth:$password@127.0.0.1:$port/berth"
export BERTH_REQUIRE_POSTGRES=1
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $work)"

# Not exec: the trap must stop the server when the command ends. In the background, because bash
# runs traps only between commands: `wait` returns at once on a signal, a foreground command not.
"$@" <&0 &
child=$!
trap 'kill -INT "$child" 2>/dev/null; exit 130' INT
trap 'kill -TERM "$child" 2>/dev/null; exit 143' TERM
status=0
wait "$child" || status=$?
exit "$status"
