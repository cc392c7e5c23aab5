# ./sirocco run: everything on one machine. PostgreSQL is embedded unless SIROCCO_DB_URL is set,
# Keycloak starts from the Maven Central distribution unless SIROCCO_KEYCLOAK_URL is set,
# demo models are written if missing, and the service listens on :8080.
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"
set -euo pipefail
cd "$ROOT"

DATA="${SIROCCO_DATA:-$ROOT/data}"
mkdir -p "$DATA"
export SIROCCO_DATA="$DATA"

if [ ! -f target/quarkus-app/quarkus-run.jar ] || [ -n "$(find src migrations pom.xml -newer target/quarkus-app/quarkus-run.jar -type f | head -1)" ]; then
  log "building (first time takes a few minutes)"
  ./mvnw -B -q package -DskipTests
fi

# A demo API key, made once and kept with the data.
if [ ! -s "$DATA/demo-api-key" ]; then
  (umask 077 && java -cp target/classes io.sirocco.accounts.KeySecrets >"$DATA/demo-api-key")
fi
export SIROCCO_DEMO_API_KEY="$(cat "$DATA/demo-api-key")"

# The secret that encrypts sign-in state and session cookies: random per installation, kept with the data.
if [ -z "${SIROCCO_SESSION_SECRET:-}" ]; then
  if [ ! -s "$DATA/session-secret" ]; then
    (umask 077 && java -cp target/classes io.sirocco.accounts.KeySecrets >"$DATA/session-secret")
  fi
  export SIROCCO_SESSION_SECRET="$(cat "$DATA/session-secret")"
fi

KC_STARTED=""
if [ -z "${SIROCCO_KEYCLOAK_URL:-}" ]; then
  KC_ADMIN_PASSWORD="${KC_ADMIN_PASSWORD:-admin}"
  if ! port_open 127.0.0.1 8180; then
    start_keycloak "$DATA/keycloak" 8180 "$KC_ADMIN_PASSWORD"
    KC_STARTED=1
  fi
  export SIROCCO_KEYCLOAK_URL="http://localhost:8180"
fi
APP_PID=""
stop_all() {
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then kill -TERM "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; fi
  if [ -n "$KC_STARTED" ]; then stop_keycloak "$DATA/keycloak"; fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

PORT="${QUARKUS_HTTP_PORT:-8080}"
BASE="http://localhost:$PORT"
log "starting the service on :$PORT (data in $DATA; the demo models are written on first start)"
java $SIROCCO_JVM_FLAGS -jar target/quarkus-app/quarkus-run.jar &
APP_PID=$!

# The banner once the models are loaded (/q/health/ready), so the curl below works at once.
until curl -fsS -o /dev/null "$BASE/q/health/ready" 2>/dev/null; do
  if ! kill -0 "$APP_PID" 2>/dev/null; then log "the service stopped; see the log above"; wait "$APP_PID"; exit 1; fi
  sleep 1
done

cat <<INFO

  Sirocco is ready on $BASE
    API            $BASE/v1   (OpenAPI: $BASE/q/openapi, Swagger UI: $BASE/q/swagger-ui)
    Waitlist       $BASE/
    Console        $BASE/console
    Admin          $BASE/admin   (Keycloak login: admin / admin)
    Keycloak       $SIROCCO_KEYCLOAK_URL  (master admin: admin / ${KC_ADMIN_PASSWORD:-see your Keycloak})
    Health         $BASE/q/health/ready    Metrics  $BASE/q/metrics
    Demo API key   $SIROCCO_DEMO_API_KEY   (kept in $DATA/demo-api-key)

  Try:  curl -N $BASE/v1/chat/completions -H "Authorization: Bearer $SIROCCO_DEMO_API_KEY" \\
          -H 'Content-Type: application/json' \\
          -d '{"model":"mistral-tiny","stream":true,"messages":[{"role":"user","content":"Hello"}]}'

INFO
wait "$APP_PID"
