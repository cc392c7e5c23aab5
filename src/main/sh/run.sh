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

# A demo API key, made once and kept with the data (0600). The banner shows its path and prefix, never the key.
if [ ! -s "$DATA/demo-api-key" ]; then
  (umask 077 && java -cp target/classes io.sirocco.accounts.KeySecrets >"$DATA/demo-api-key")
fi
export SIROCCO_DEMO_API_KEY="$(cat "$DATA/demo-api-key")"

# The secret that encrypts sign-in state and session cookies: random per installation, kept with the data.
export SIROCCO_SESSION_SECRET="${SIROCCO_SESSION_SECRET:-$(ensure_secret "$DATA/session-secret")}"
# The key that encrypts the alert webhooks' signing secrets in the database: per installation, kept with the data.
export SIROCCO_WEBHOOK_SECRET_KEY="${SIROCCO_WEBHOOK_SECRET_KEY:-$(ensure_secret "$DATA/webhook-secret-key")}"

PORT="${QUARKUS_HTTP_PORT:-8080}"
# Only this machine can reach the service unless SIROCCO_HOST says otherwise (0.0.0.0: every interface).
export QUARKUS_HTTP_HOST="${SIROCCO_HOST:-127.0.0.1}"
BASE="http://localhost:$PORT"
PUBLIC_URL="${SIROCCO_PUBLIC_URL:-$BASE}"

KC_STARTED=""
ADMIN_PASSWORD_WHERE="password: see your Keycloak"
KC_PASSWORD_WHERE="your Keycloak"
KC_DATA="$DATA/keycloak"
if [ -z "${SIROCCO_KEYCLOAK_URL:-}" ]; then
  KC_PASSWORD_WHERE="$DATA/keycloak-admin-password"
  # Keycloak's secrets are made per installation, at first start, and kept with the data (0600): the
  # sirocco-service client secret (written into the realm import and the service's config) and the password of
  # Keycloak's bootstrap admin (master realm).
  legacy=""
  if [ -d "$KC_DATA/h2" ] && [ ! -s "$DATA/keycloak-client-secret" ]; then legacy=1; fi
  export SIROCCO_OIDC_SECRET="${SIROCCO_OIDC_SECRET:-$(ensure_secret "$DATA/keycloak-client-secret")}"
  KC_ADMIN_PASSWORD="${KC_ADMIN_PASSWORD:-$(ensure_secret "$DATA/keycloak-admin-password")}"
  ensure_realm_admin_password "$DATA" "$KC_DATA"
  export SIROCCO_REDIRECT_URI="$PUBLIC_URL/*"
  if ! port_open 127.0.0.1 8180; then
    start_keycloak "$KC_DATA" 8180 "$KC_ADMIN_PASSWORD"
    KC_STARTED=1
    if [ -n "$legacy" ] || [ "$(cat "$KC_DATA/redirect-uri" 2>/dev/null)" != "$SIROCCO_REDIRECT_URI" ]; then
      if [ -n "$legacy" ]; then
        log "giving the Keycloak realm made by an older version this installation's secrets"
        keycloak_apply_installation_secrets "http://localhost:8180" admin "$KC_ADMIN_PASSWORD"
      elif [ -s "$KC_DATA/redirect-uri" ]; then
        keycloak_apply_installation_secrets "http://localhost:8180" "$KC_ADMIN_PASSWORD"
      fi
      echo "$SIROCCO_REDIRECT_URI" >"$KC_DATA/redirect-uri"
    fi
  elif ! keycloak_accepts_client "http://localhost:8180" "$SIROCCO_OIDC_SECRET"; then
    log "something on :8180 is not this installation's Keycloak (it refuses $DATA/keycloak-client-secret), so"
    log "sign-in and invitations would fail. Stop it, or set SIROCCO_KEYCLOAK_URL and SIROCCO_OIDC_SECRET to use it."
    exit 1
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

refuse_default_admin_password
log "starting the service on $QUARKUS_HTTP_HOST:$PORT (data in $DATA; the demo models are written on first start)"
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
    Admin          $BASE/admin   (realm user admin, $ADMIN_PASSWORD_WHERE)
    Keycloak       $SIROCCO_KEYCLOAK_URL  (master admin: admin, password in $KC_PASSWORD_WHERE)
    Health         $BASE/q/health/ready    Metrics  $BASE/q/metrics
    Demo API key   ${SIROCCO_DEMO_API_KEY:0:11}…   (the key is in $DATA/demo-api-key, mode 0600)

  Try:  curl -N $BASE/v1/chat/completions -H "Authorization: Bearer \$(cat $DATA/demo-api-key)" \\
          -H 'Content-Type: application/json' \\
          -d '{"model":"mistral-tiny","stream":true,"messages":[{"role":"user","content":"Hello"}]}'

INFO
wait "$APP_PID"
