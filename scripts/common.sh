# shellcheck shell=bash disable=SC2034
# Shared by scripts/run and scripts/cluster (sourced, not executed).
# Sets ROOT, JAR_REL and JAR, and defines: chorus_build_if_needed, chorus_private_jar, CHORUS_JAVA_FLAGS, http_get, bench_classpath,
# machine_settle.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The development launcher: the node plus the embedded Redis/PostgreSQL/Kafka/S3 (module dev/). The
# production image runs verticles/target/chorus.jar, which has no embedded services.
JAR_REL="dev/target/chorus-dev.jar"
JAR="$ROOT/$JAR_REL"

# Hazelcast's recommended module flags for JDK 17 (without them it logs warnings and loses some metrics), and
# no hsperfdata: its sampler woke every 50 ms for ~2.9 ms/s of CPU per idle node, which a node pays at any load
# (jcmd <pid> still works; jps and jstat no longer list the JVM).
CHORUS_JAVA_FLAGS=(
  -XX:-UsePerfData
  --add-modules java.se
  --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.management/sun.management=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
)

# Builds the jar with the Maven wrapper when it is missing or older than any source, pom or conf file.
chorus_build_if_needed() {
  local stale=""
  local why=""
  if [[ ! -f "$JAR" ]]; then
    why="it does not exist yet"
    stale="$JAR"
  else
    stale="$(find "$ROOT/pom.xml" "$ROOT"/*/pom.xml "$ROOT"/*/src/main "$ROOT/conf" \
      "$ROOT/web/src" "$ROOT/web/scripts" "$ROOT/web/package-lock.json" -type f -newer "$JAR" -print -quit 2>/dev/null || true)"
  fi
  if [[ -n "$stale" ]]; then
    [[ -z "$why" ]] && why="${stale#"$ROOT"/} is newer"
    echo "chorus: building $JAR ($why)..." >&2
    (cd "$ROOT" && ./mvnw -q -B -DskipTests install) || { echo "chorus: build failed" >&2; return 1; }
  fi
}

# Prints the path of a private copy of the built jar (one per build, under dev/target/run), so that a rebuild while
# a node runs (./mvnw install rewrites the jar in place) cannot change classes under it: its shutdown, which loads
# classes late, then failed and left the embedded services running. Copies of older builds that no process holds
# open are deleted.
chorus_private_jar() {
  local dir="$ROOT/dev/target/run" copy f
  copy="$dir/chorus-dev-$(stat -c '%Y-%s' "$JAR").jar"
  mkdir -p "$dir"
  if [[ ! -f "$copy" ]]; then
    cp "$JAR" "$copy.tmp.$$" && mv "$copy.tmp.$$" "$copy" || { echo "chorus: cannot copy $JAR" >&2; return 1; }
  fi
  for f in "$dir"/chorus-dev-*.jar; do
    if [[ "$f" != "$copy" ]] && ! ls -l /proc/[0-9]*/fd 2>/dev/null | grep -qF -- "$f"; then
      rm -f -- "$f"
    fi
  done
  echo "$copy"
}

# http_get URL -> prints "STATUS BODY" (curl when present, else bash's /dev/tcp; loopback only).
http_get() {
  local url="$1"
  if command -v curl >/dev/null 2>&1; then
    local out
    out="$(curl -s -m 5 -w '\n%{http_code}' "$url" 2>/dev/null)" || { echo "000"; return 0; }
    echo "${out##*$'\n'} ${out%$'\n'*}"
    return 0
  fi
  local rest="${url#http://}" hostport path host port
  hostport="${rest%%/*}"; path="/${rest#*/}"; host="${hostport%%:*}"; port="${hostport##*:}"
  local response
  response="$( (exec 3<>"/dev/tcp/$host/$port" && printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$hostport" >&3 \
      && timeout 5 cat <&3) 2>/dev/null)" || { echo "000"; return 0; }
  local status="${response#HTTP/* }"; status="${status%% *}"
  echo "$status ${response#*$'\r\n\r\n'}"
}

# For the JVM benchmarks (io.chorus.bench.*, test classpath): builds without the web bundle and sets
# BENCH_CP to test classes + classes + every test-scope dependency.
bench_classpath() {
  (cd "$ROOT" && ./mvnw -q -B -DskipTests install -Dchorus.web.skip=true \
    && ./mvnw -q -B -pl verticles dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test) \
    || { echo "chorus: benchmark build failed" >&2; return 1; }
  BENCH_CP="$ROOT/verticles/target/test-classes:$ROOT/verticles/target/classes:$(cat "$ROOT/verticles/target/bench.classpath")"
}

# For benchmarks: waits until the machine is nearly idle (at least 85 % idle over 2 s, e.g. after the
# previous run's sockets closed and its JVMs exited), at most 90 s, so one run's tail is not charged to the next.
machine_settle() {
  local i a b idle_a total_a idle_b total_b
  for (( i = 0; i < 45; i++ )); do
    read -r _ a < <(head -1 /proc/stat)
    idle_a=$(awk '{print $4+$5}' <<<"$a"); total_a=$(awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}' <<<"$a")
    sleep 2
    read -r _ b < <(head -1 /proc/stat)
    idle_b=$(awk '{print $4+$5}' <<<"$b"); total_b=$(awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}' <<<"$b")
    (( (idle_b - idle_a) * 100 >= 85 * (total_b - total_a) )) && return 0
  done
  # never settled (a busy shared machine): go on all the same; a non-zero status would end a `set -e` caller
  return 0
}
