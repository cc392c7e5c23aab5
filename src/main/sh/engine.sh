# ./sirocco engine …: the engine's command-line tools (plain Java, no service needed).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
if [ ! -f target/classes/io/sirocco/engine/cli/EngineCli.class ] || [ -n "$(find src/main/java/io/sirocco/engine src/main/c -newer target/classes/io/sirocco/engine/cli/EngineCli.class -type f 2>/dev/null | head -1)" ]; then
  log "building the engine"
  mvnw compile >&2
fi
# A small initial heap: the engine keeps weights in the file mapping, not on the heap (bench reports peak RSS).
exec java $SIROCCO_JVM_FLAGS -Xss4m -Xms64m -cp target/classes io.sirocco.engine.cli.EngineCli "$@"
