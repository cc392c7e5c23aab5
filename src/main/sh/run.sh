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

KC_STARTED=""
if [ -z "${SIROCCO_KEYCLOAK_URL:-}" ]; then
  KC_ADMIN_PASSWORD="${KC_ADMIN_PASSWORD:-admin}"
  if ! port_open 127.0.0.1 8180; then
    start_keycloak "$DATA/keycloak" 8180 "$KC_ADMIN_PASSWORD"
    KC_STARTED=1
  fi
  export SIROCCO_KEYCLOAK_URL="http://localhost:8180"
fi
stop_all() { [ -n "$KC_STARTED" ] && stop_keycloak "$DATA/keycloak"; }
trap stop_all EXIT

cat <<INFO

  Sirocco is starting on http://localhost:8080
    API            http://localhost:8080/v1   (OpenAPI: http://localhost:8080/q/swagger-ui)
    Waitlist       http://localhost:8080/
    Console        http://localhost:8080/console
    Admin          http://localhost:8080/admin   (Keycloak login: admin / admin)
    Keycloak       $SIROCCO_KEYCLOAK_URL  (master admin: admin / ${KC_ADMIN_PASSWORD:-see your Keycloak})
    Demo API key   $SIROCCO_DEMO_API_KEY

  Try:  curl -N http://localhost:8080/v1/chat/completions -H "Authorization: Bearer $SIROCCO_DEMO_API_KEY" \\
          -H 'Content-Type: application/json' \\
          -d '{"model":"mistral-tiny","stream":true,"messages":[{"role":"user","content":"Hello"}]}'

INFO
java $SIROCCO_JVM_FLAGS -jar target/quarkus-app/quarkus-run.jar
