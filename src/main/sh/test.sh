# ./sirocco test: the whole suite against real PostgreSQL, Keycloak and RabbitMQ.
# Uses the services running on this machine, installs and starts missing ones, and gives each run
# its own database, RabbitMQ vhost and Keycloak instance.
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"
set -euo pipefail
cd "$ROOT"

RUN_ID="t$(date +%s)$$"
RUN_DIR="$ROOT/target/test-run"
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR"

cleanup() {
  stop_keycloak "$RUN_DIR/keycloak" || true
  psql_admin "drop database if exists sirocco_$RUN_ID with (force)" 2>/dev/null || true
  rabbitmqctl delete_vhost "sirocco_$RUN_ID" >/dev/null 2>&1 || true
}
trap cleanup EXIT

ensure_postgres
psql_admin "create database sirocco_$RUN_ID"
export SIROCCO_DB_URL="jdbc:postgresql://127.0.0.1:5432/sirocco_$RUN_ID"
export SIROCCO_DB_ADMIN_URL="jdbc:postgresql://127.0.0.1:5432/postgres"

ensure_rabbitmq
rabbitmqctl add_vhost "sirocco_$RUN_ID" >/dev/null
rabbitmqctl set_permissions -p "sirocco_$RUN_ID" guest '.*' '.*' '.*' >/dev/null
export SIROCCO_RABBITMQ_VHOST="sirocco_$RUN_ID"

KC_PORT=$((20000 + 2 * (RANDOM % 4000)))  # +1 is its management port
# This run's client secret, like an installation's; tests start the service on random ports.
export SIROCCO_OIDC_SECRET="$(ensure_secret "$RUN_DIR/keycloak-client-secret")"
export SIROCCO_REDIRECT_URI='http://localhost:*'
start_keycloak "$RUN_DIR/keycloak" "$KC_PORT" admin
export SIROCCO_KEYCLOAK_URL="http://localhost:$KC_PORT"

# Browser and SDK tests (Node): each src/test/js/<suite>/ has its own package.json; Chromium from Debian.
if compgen -G "src/test/js/*/package.json" >/dev/null; then
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  command -v chromium >/dev/null 2>&1 || apt_install chromium
  for suite in src/test/js/*/; do
    [ -f "$suite/package.json" ] || continue
    (cd "$suite" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi) >/dev/null
  done
fi

log "running the test suite"
./mvnw -B verify "$@"
