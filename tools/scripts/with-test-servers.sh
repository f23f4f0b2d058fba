#!/usr/bin/env bash
# Runs a command with the real servers the ProviderKit tests talk to, each on a random loopback
# port, then stops them and deletes their files whatever the command's outcome:
#   - redis-server (Debian) with a password, on a plain and a TLS port (as Upstash speaks it),
#   - moto's S3-compatible server (PyPI `moto[server]`),
#   - an aiosmtpd SMTP server (PyPI) offering STARTTLS and AUTH, plus one with implicit TLS, both
#     storing every message they receive as a file the tests read back,
#   - local HTTP servers that check the documented request formats of Stripe and of the SMS,
#     analytics and monitoring APIs (the real APIs are not reachable from here).
# Installs what is missing (apt-get through install-deps.sh, pip through python-env.sh).
#
# Usage: tools/scripts/with-test-servers.sh CMD [ARGS...]
# The command sees BERTH_TEST_REDIS_URL, BERTH_TEST_REDIS_TLS_URL, BERTH_TEST_CA (the PEM of the
# throw-away authority that signed the servers' certificates), BERTH_TEST_S3_URL, BERTH_TEST_SMTP_PORT,
# BERTH_TEST_SMTPS_PORT, BERTH_TEST_SMTP_SPOOL, BERTH_TEST_SMTP_USER,
# BERTH_TEST_SMTP_PASSWORD, BERTH_TEST_STRIPE_URL, BERTH_TEST_SAAS_URL and BERTH_REQUIRE_TEST_SERVERS=1 (so the tests
# that need a server fail instead of skipping).
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 64; }
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
command -v redis-server >/dev/null 2>&1 || "$repo/tools/scripts/install-deps.sh" redis-server
command -v openssl >/dev/null 2>&1 || "$repo/tools/scripts/install-deps.sh" openssl
py="$("$repo/tools/scripts/python-env.sh")"

work="$(mktemp -d "${TMPDIR:-/tmp}/berth-test-servers.XXXXXX")"
chmod 700 "$work"
pids=()

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Ports come from below the kernel's ephemeral range: one inside it can be the local port of a
# client connection (or of thousands in TIME_WAIT after a load test) that no connect check sees,
# and the server's bind then fails. A port is never handed out twice (the servers start in the
# background, so the check alone cannot see an earlier choice).
read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range || ephemeral_low=32768
[ "$ephemeral_low" -gt 11000 ] || ephemeral_low=32768
chosen_ports=" "
next_port() {
  while :; do
    port=$((10000 + (RANDOM * 32768 + RANDOM) % (ephemeral_low - 10000)))
    [[ "$chosen_ports" == *" $port "* ]] && continue
    port_is_free "$port" && { chosen_ports+="$port "; return; }
  done
}
# Waits until something listens on the port, or fails naming the server and showing its log.
wait_for() {
  local name="$1" port="$2" log="$3"
  for _ in $(seq 1 300); do
    port_is_free "$port" || return 0
    sleep 0.1
  done
  echo "with-test-servers: $name did not start on 127.0.0.1:$port; its log:" >&2
  cat "$log" >&2 || true
  exit 1
}

# A throw-away certificate authority and a server certificate for 127.0.0.1 / localhost.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Berth test CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$work/server.key" -out "$work/server.csr" >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$work/san.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/san.ext" -out "$work/server.pem" >/dev/null 2>&1

next_port; redis_port=$port
next_port; redis_tls_port=$port
redis_password="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
redis-server --bind 127.0.0.1 --port "$redis_port" --requirepass "$redis_password" --save '' --appendonly no \
  --tls-port "$redis_tls_port" --tls-cert-file "$work/server.pem" --tls-key-file "$work/server.key" \
  --tls-ca-cert-file "$work/ca.pem" --tls-auth-clients no \
  --dir "$work" --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)

next_port; s3_port=$port
"$py" -m moto.server -H 127.0.0.1 -p "$s3_port" >"$work/moto.log" 2>&1 &
pids+=($!)

next_port; smtp_port=$port
next_port; smtps_port=$port
smtp_password="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
mkdir "$work/spool"
"$py" "$repo/tools/scripts/test-servers/smtp_sink.py" --port "$smtp_port" --tls-port "$smtps_port" \
  --cert "$work/server.pem" --key "$work/server.key" --spool "$work/spool" \
  --user berth --password "$smtp_password" >"$work/smtp.log" 2>&1 &
pids+=($!)

next_port; stripe_port=$port
"$py" "$repo/tools/scripts/test-servers/stripe_wire.py" --port "$stripe_port" >"$work/stripe.log" 2>&1 &
pids+=($!)

next_port; saas_port=$port
"$py" "$repo/tools/scripts/test-servers/saas_wire.py" --port "$saas_port" >"$work/saas.log" 2>&1 &
pids+=($!)

wait_for redis-server "$redis_port" "$work/redis.log"
wait_for "redis-server (TLS)" "$redis_tls_port" "$work/redis.log"
wait_for "moto S3" "$s3_port" "$work/moto.log"
wait_for "SMTP (STARTTLS)" "$smtp_port" "$work/smtp.log"
wait_for "SMTP (TLS)" "$smtps_port" "$work/smtp.log"
wait_for "Stripe format check" "$stripe_port" "$work/stripe.log"
wait_for "SMS/analytics/monitoring format check" "$saas_port" "$work/saas.log"

export BERTH_TEST_REDIS_URL="redis://:$redis_password@127.0.0.1:$redis_port"
export BERTH_TEST_REDIS_TLS_URL="rediss://:$redis_password@127.0.0.1:$redis_tls_port"
export BERTH_TEST_CA="$work/ca.pem"
export BERTH_TEST_S3_URL="http://127.0.0.1:$s3_port"
export BERTH_TEST_SMTP_PORT="$smtp_port" BERTH_TEST_SMTPS_PORT="$smtps_port"
export BERTH_TEST_SMTP_SPOOL="$work/spool"
export BERTH_TEST_SMTP_USER=berth BERTH_TEST_SMTP_PASSWORD="$smtp_password"
export BERTH_TEST_STRIPE_URL="http://127.0.0.1:$stripe_port"
export BERTH_TEST_SAAS_URL="http://127.0.0.1:$saas_port"
export BERTH_REQUIRE_TEST_SERVERS=1
echo "with-test-servers: redis $redis_port (TLS $redis_tls_port), S3 $s3_port, SMTP $smtp_port (TLS $smtps_port), Stripe check $stripe_port, SaaS check $saas_port (files in $work)"

# In the background so the traps run on a signal (see with-postgres.sh).
"$@" <&0 &
child=$!
trap 'kill -INT "$child" 2>/dev/null; exit 130' INT
trap 'kill -TERM "$child" 2>/dev/null; exit 143' TERM
status=0
wait "$child" || status=$?
exit "$status"
