# Shared helpers for the ./sirocco scripts. Sourced, not run.
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"

# Java 25: the machine default may be older.
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/jdk-25*; do
    if [ -x "$candidate/bin/java" ]; then export JAVA_HOME="$candidate"; break; fi
  done
fi
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ]; then
  echo "Sirocco needs Java 25: set JAVA_HOME to a JDK 25" >&2
  exit 1
fi
export PATH="$JAVA_HOME/bin:$PATH"
export SIROCCO_JVM_FLAGS="--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.5.6}"
CACHE_DIR="$ROOT/.cache"

log() { printf '[sirocco] %s\n' "$*" >&2; }

mvnw() { (cd "$ROOT" && ./mvnw -B -q "$@"); }

# port_open HOST PORT: true when something listens there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# apt_install PKG…: installs Debian packages (used only where a tool or service is missing).
apt_install() {
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# The scripts poll HTTP with curl; a minimal Debian may lack it.
command -v curl >/dev/null 2>&1 || apt_install curl

# wait_http URL SECONDS: poll until the URL answers 2xx/3xx.
wait_http() {
  local url="$1" deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 1
  done
}

# ensure_secret FILE: prints the secret kept in FILE, making a random one (mode 0600) the first time.
ensure_secret() {
  if [ ! -s "$1" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$1")
  fi
  chmod 600 "$1"
  cat "$1"
}
