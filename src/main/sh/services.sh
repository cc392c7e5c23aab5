# Starts or installs the shared engines the service and its tests need. Sourced by run.sh and test.sh.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# PostgreSQL on 127.0.0.1:5432 with trust auth for the tests: used when running, else installed and started.
ensure_postgres() {
  if port_open 127.0.0.1 5432; then return 0; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installing PostgreSQL (Debian package)"
    apt_install postgresql
  fi
  local version; version=$(ls /etc/postgresql | sort -V | tail -1)
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do port_open 127.0.0.1 5432 && return 0; sleep 1; done
  log "PostgreSQL did not start"; return 1
}

# psql_admin SQL: runs SQL as the postgres superuser on the local server.
psql_admin() { psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAtc "$1"; }

# RabbitMQ on 127.0.0.1:5672 (guest/guest): used when running, else installed and started.
ensure_rabbitmq() {
  if port_open 127.0.0.1 5672; then return 0; fi
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    log "installing RabbitMQ (Debian package)"
    apt_install rabbitmq-server
  fi
  rabbitmq-server -detached || true
  for _ in $(seq 1 60); do port_open 127.0.0.1 5672 && return 0; sleep 1; done
  log "RabbitMQ did not start"; return 1
}

# Keycloak from the Maven Central distribution, built once for fast optimized starts.
keycloak_home() { echo "$CACHE_DIR/keycloak-$KEYCLOAK_VERSION"; }

ensure_keycloak_dist() {
  local home; home=$(keycloak_home)
  if [ -x "$home/bin/kc.sh" ] && [ -f "$home/.sirocco-built" ]; then return 0; fi
  mkdir -p "$CACHE_DIR"
  log "fetching Keycloak $KEYCLOAK_VERSION from Maven Central"
  mvnw dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" -DoutputDirectory="$CACHE_DIR" >&2
  # The JDK's jar tool unpacks it on machines without unzip; it drops file modes, so restore the scripts'.
  rm -rf "$home" && (cd "$CACHE_DIR" && jar xf "keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip" && rm -f "keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip")
  chmod +x "$home"/bin/*.sh
  log "building Keycloak (once)"
  JAVA_OPTS_APPEND="-XX:TieredStopAtLevel=1" "$home/bin/kc.sh" build --db=dev-file --health-enabled=true >"$CACHE_DIR/keycloak-build.log" 2>&1
  touch "$home/.sirocco-built"
}

# start_keycloak DATA_DIR PORT ADMIN_PASSWORD: starts Keycloak with the realm import; writes DATA_DIR/keycloak.pid.
# The realm import takes the installation's values from the environment (placeholders in sirocco-realm.json):
# SIROCCO_OIDC_SECRET (the sirocco-service client secret), SIROCCO_REDIRECT_URI (the one redirect URI pattern
# both clients accept) and SIROCCO_ADMIN_PASSWORD (the realm's admin user, first import only).
start_keycloak() {
  local data="$1" port="$2" password="$3" home; home=$(keycloak_home)
  : "${SIROCCO_OIDC_SECRET:?start_keycloak needs SIROCCO_OIDC_SECRET}"
  : "${SIROCCO_REDIRECT_URI:?start_keycloak needs SIROCCO_REDIRECT_URI}"
  export SIROCCO_OIDC_SECRET SIROCCO_REDIRECT_URI SIROCCO_ADMIN_PASSWORD="${SIROCCO_ADMIN_PASSWORD:-admin}"
  ensure_keycloak_dist
  mkdir -p "$data" "$home/data/import"
  cp "$ROOT/src/main/keycloak/sirocco-realm.json" "$home/data/import/"
  log "starting Keycloak on :$port"
  KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD="$password" \
  JAVA_OPTS_APPEND="-XX:TieredStopAtLevel=1" \
    nohup "$home/bin/kc.sh" start --optimized --http-enabled=true --http-host=127.0.0.1 --http-port="$port" --http-management-port="$((port + 1))" \
      --hostname="http://localhost:$port" --cache=local --import-realm \
      --db-url="jdbc:h2:file:$data/h2/keycloakdb;NON_KEYWORDS=VALUE;AUTO_SERVER=TRUE" \
      >"$data/keycloak.log" 2>&1 &
  echo $! >"$data/keycloak.pid"
  if ! wait_http "http://localhost:$port/realms/sirocco/.well-known/openid-configuration" 240; then
    log "Keycloak did not become ready; see $data/keycloak.log"; tail -30 "$data/keycloak.log" >&2; return 1
  fi
  log "Keycloak ready"
}

stop_keycloak() {
  local data="$1" pid
  [ -f "$data/keycloak.pid" ] || return 0
  pid=$(cat "$data/keycloak.pid")
  # kc.sh may have re-exec'd into java, or java may be its child: stop both, gracefully.
  pkill -TERM -P "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  rm -f "$data/keycloak.pid"
}

# keycloak_apply_installation_secrets URL MASTER_PASSWORD [NEW_MASTER_PASSWORD]: sets the sirocco-service secret
# and both clients' redirect URIs to this installation's values through the admin CLI (a realm imported before
# secrets were per installation had the public default; the redirect URI follows SIROCCO_PUBLIC_URL), and the
# master admin's password when a new one is given.
keycloak_apply_installation_secrets() {
  local url="$1" master_password="$2" new_master_password="${3:-}" kcadm cfg id
  kcadm="$(keycloak_home)/bin/kcadm.sh"; cfg=$(mktemp)
  "$kcadm" config credentials --config "$cfg" --server "$url" --realm master --user admin --password "$master_password" >/dev/null
  for client in sirocco-service sirocco-web; do
    id=$("$kcadm" get clients --config "$cfg" -r sirocco -q clientId="$client" --fields id --format csv --noquotes)
    "$kcadm" update "clients/$id" --config "$cfg" -r sirocco -s "redirectUris=[\"$SIROCCO_REDIRECT_URI\"]"
  done
  id=$("$kcadm" get clients --config "$cfg" -r sirocco -q clientId=sirocco-service --fields id --format csv --noquotes)
  "$kcadm" update "clients/$id" --config "$cfg" -r sirocco -s "secret=$SIROCCO_OIDC_SECRET"
  if [ -n "$new_master_password" ]; then
    "$kcadm" set-password --config "$cfg" -r master --username admin --new-password "$new_master_password"
  fi
  rm -f "$cfg"
}

# ensure_realm_admin_password DATA_DIR KEYCLOAK_DATA_DIR: the password the realm's admin user gets at the first realm
# import. Unless SIROCCO_ADMIN_PASSWORD is set, a new installation gets a random one, kept in DATA_DIR/admin-password
# (0600); a realm imported before keeps the password it has. Sets SIROCCO_ADMIN_PASSWORD and ADMIN_PASSWORD_WHERE
# (what the banner says about it: where to read it, never the password itself).
ensure_realm_admin_password() {
  local data="$1" kc_data="$2"
  if [ -n "${SIROCCO_ADMIN_PASSWORD:-}" ]; then
    ADMIN_PASSWORD_WHERE="password: the SIROCCO_ADMIN_PASSWORD given at the first start"
  elif [ ! -d "$kc_data/h2" ] || [ -s "$data/admin-password" ]; then
    export SIROCCO_ADMIN_PASSWORD="$(ensure_secret "$data/admin-password")"
    ADMIN_PASSWORD_WHERE="password in $data/admin-password"
  else
    ADMIN_PASSWORD_WHERE="password as set at the first start (docs/operations.md, security defaults)"
  fi
}

# keycloak_accepts_client URL SECRET: true when the Keycloak at URL grants the sirocco-service client a token for
# SECRET (tells this installation's Keycloak from another one on the same port).
keycloak_accepts_client() {
  curl -fsS -o /dev/null --max-time 30 "$1/realms/sirocco/protocol/openid-connect/token" -d grant_type=client_credentials \
    -d client_id=sirocco-service --data-urlencode "client_secret=$2" 2>/dev/null
}

# refuse_default_admin_password: ./sirocco run on another address than localhost stops here while the realm's
# admin user still signs in with admin / admin, unless SIROCCO_ALLOW_DEFAULT_ADMIN_PASSWORD=true.
refuse_default_admin_password() {
  case "$QUARKUS_HTTP_HOST" in 127.*|localhost|::1) return 0 ;; esac
  if ! curl -fsS -o /dev/null "$SIROCCO_KEYCLOAK_URL/realms/sirocco/protocol/openid-connect/token" \
      -d grant_type=password -d client_id=sirocco-service --data-urlencode "client_secret=$SIROCCO_OIDC_SECRET" \
      -d username=admin -d password=admin 2>/dev/null; then
    return 0
  fi
  if [ "${SIROCCO_ALLOW_DEFAULT_ADMIN_PASSWORD:-}" = "true" ]; then
    log "WARNING: listening on $QUARKUS_HTTP_HOST with the admin password admin (SIROCCO_ALLOW_DEFAULT_ADMIN_PASSWORD=true)"
    return 0
  fi
  log "refusing to listen on $QUARKUS_HTTP_HOST while the admin user's password is admin. Change it in Keycloak"
  log "($SIROCCO_KEYCLOAK_URL/admin, realm sirocco, Users, admin, Credentials), or set SIROCCO_ADMIN_PASSWORD"
  log "before the first start, or set SIROCCO_ALLOW_DEFAULT_ADMIN_PASSWORD=true to accept it."
  exit 1
}
