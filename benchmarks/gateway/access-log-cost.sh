#!/usr/bin/env bash
# The cost of the gateway's access log (issue 17): requests/s of GatewayBenchServer with
# --access-log off and on, alternated ROUNDS times (odd rounds off first, even rounds on first) in one run against the same nginx upstream
# (the one run.sh uses: `return 200` with a 100-byte body), wrk with the same settings each time.
# Prints each round's requests/s and p99, the on/off ratio per round, and their mean and spread.
#
# Both runs of a round have the same logging backend, chosen by BACKEND:
#   logback            logback-classic with an AsyncAppender (neverBlock) in front of a buffered
#                      FileAppender;
#   simple             slf4j-simple writing each line to the file synchronously (a lock and a
#                      write(2) per request on the event loop): the pessimistic case;
#   discard            logback with the access logger at INFO and no appender: the gateway builds
#                      every line and logback makes its event, nothing is written (the gateway's
#                      own share of the cost, without the backend's);
#   log4j2 (default)   what the gateway's javadoc (Gateway.Builder#accessLog) advises: Log4j 2 with the access logger an AsyncLogger (LMAX Disruptor, wait strategy
#                      LOG4J2_WAIT_STRATEGY, Sleep by default: the event loop never signals the
#                      writer thread) in front of a RandomAccessFile appender with a 256 KiB buffer
#                      and immediateFlush=false; Log4j's garbage-free mode (its default); a full
#                      ring buffer drops lines rather than blocking the event loop (Discard policy,
#                      as logback's neverBlock).
# Besides requests/s, each round reports the gateway process's CPU time per request (user +
# system, all its threads, from /proc over the measured wrk run): on - off is what a line costs
# the machine, a number that the load of other processes disturbs far less than requests/s.
# The benchmarks jar binds slf4j-nop, which would drop lines unbuilt, so the backend's jars from
# ~/.m2 go first on the class path and are chosen by -Dslf4j.provider (fetch them once with
# ./mvnw dependency:get -Dartifact=ch.qos.logback:logback-classic:$LOGBACK_VERSION, and for log4j2
# -Dartifact=org.apache.logging.log4j:log4j-slf4j2-impl:$LOG4J_VERSION and com.lmax:disruptor:4.0.0;
# LOG4J_VERSION is the log4j-core the benchmarks jar holds).
#
# Usage: benchmarks/gateway/access-log-cost.sh   (needs nginx, wrk, curl and the benchmarks jar:
#                                                  ./mvnw -B -q package -pl benchmarks -am -DskipTests)
# Settings (environment): ROUNDS=3 THREADS=2 CONNECTIONS=64 DURATION=15s WARMUP=5s BACKEND=log4j2
#   LOGBACK_VERSION=1.5.20 LOG4J_VERSION=(the jar's) DISRUPTOR_VERSION=4.0.0 LOG4J2_WAIT_STRATEGY=Sleep
#   SLF4J_VERSION (the jar's slf4j-api version) GATEWAY_ARGS="" RESULTS_DIR=<temp dir>
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-5s}"
GATEWAY_ARGS="${GATEWAY_ARGS:-}"
BENCH_JAR="${BENCH_JAR:-$ROOT/benchmarks/target/benchmarks.jar}"
API_KEY="lk_bench_7f3c9a1e5b2d4f6081a3c5e7f9b1d3e5"
RESULTS_DIR="${RESULTS_DIR:-$(mktemp -d -t layerkit-access-log.XXXXXX)}"
M2="${M2:-$HOME/.m2/repository}"

log() { printf '%s\n' "$*" >&2; }
die() { log "access-log-cost.sh: $*"; exit 1; }
[ -f "$BENCH_JAR" ] || die "$BENCH_JAR not found: ./mvnw -B -q package -pl benchmarks -am -DskipTests"
SLF4J_VERSION="${SLF4J_VERSION:-$(unzip -p "$BENCH_JAR" META-INF/maven/org.slf4j/slf4j-api/pom.properties | sed -n 's/^version=//p')}"
BACKEND="${BACKEND:-log4j2}"
LOGBACK_VERSION="${LOGBACK_VERSION:-1.5.20}"
LOG4J_VERSION="${LOG4J_VERSION:-$(unzip -p "$BENCH_JAR" META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties | sed -n 's/^version=//p')}"
DISRUPTOR_VERSION="${DISRUPTOR_VERSION:-4.0.0}"
LOG4J2_WAIT_STRATEGY="${LOG4J2_WAIT_STRATEGY:-Sleep}"
case "$BACKEND" in
  simple)
    BACKEND_CP="$M2/org/slf4j/slf4j-simple/$SLF4J_VERSION/slf4j-simple-$SLF4J_VERSION.jar"
    PROVIDER=org.slf4j.simple.SimpleServiceProvider ;;
  logback|discard)
    BACKEND_CP="$M2/ch/qos/logback/logback-classic/$LOGBACK_VERSION/logback-classic-$LOGBACK_VERSION.jar:$M2/ch/qos/logback/logback-core/$LOGBACK_VERSION/logback-core-$LOGBACK_VERSION.jar"
    PROVIDER=ch.qos.logback.classic.spi.LogbackServiceProvider ;;
  log4j2)
    L4J="$M2/org/apache/logging/log4j"
    BACKEND_CP="$L4J/log4j-slf4j2-impl/$LOG4J_VERSION/log4j-slf4j2-impl-$LOG4J_VERSION.jar:$L4J/log4j-core/$LOG4J_VERSION/log4j-core-$LOG4J_VERSION.jar:$L4J/log4j-api/$LOG4J_VERSION/log4j-api-$LOG4J_VERSION.jar:$M2/com/lmax/disruptor/$DISRUPTOR_VERSION/disruptor-$DISRUPTOR_VERSION.jar"
    PROVIDER=org.apache.logging.slf4j.SLF4JServiceProvider ;;
  *) die "BACKEND must be logback, log4j2, simple or discard but was $BACKEND" ;;
esac
for jar in ${BACKEND_CP//:/ }; do
  [ -f "$jar" ] || die "$jar missing: fetch it with ./mvnw dependency:get (see the header)"
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"

. "$HERE/processes.sh"
wait_for_200() { # url
  for _ in $(seq 1 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $API_KEY" "$1" || true)" = 200 ] && return 0
    sleep 0.1
  done
  die "$1 did not answer 200; see $RESULTS_DIR"
}

mkdir -p "$RESULTS_DIR/tmp"
UPSTREAM_PORT="$(free_port)"
BODY="$(python3 -c 'print(("layerkit-gateway-benchmark-fixed-100-byte-body-" * 3)[:100])')"
sed -e "s|@PREFIX@|$RESULTS_DIR|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" -e "s|@BODY@|$BODY|g" \
    -e "s|@UPSTREAM_WORKERS@|1|g" "$HERE/nginx-upstream.conf.template" > "$RESULTS_DIR/nginx-upstream.conf"
"$NGINX" -e "$RESULTS_DIR/startup-error.log" -p "$RESULTS_DIR" -c "$RESULTS_DIR/nginx-upstream.conf" &
PIDS+=($!)
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$UPSTREAM_PORT/" && break; sleep 0.1; done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
measure() { # mode round -> prints "rps p99 cpu-us-per-request"
  local mode="$1" round="$2" port pid out="$RESULTS_DIR/wrk-$1-$2.txt" ticks_before ticks_after
  port="$(free_port)"
  cat > "$RESULTS_DIR/log4j2-$mode-$round.xml" <<XML
<Configuration status="warn">
  <Appenders>
    <RandomAccessFile name="FILE" fileName="$RESULTS_DIR/access-$mode-$round.log"
        immediateFlush="false" bufferSize="262144">
      <PatternLayout pattern="%m%n"/>
    </RandomAccessFile>
  </Appenders>
  <Loggers>
    <AsyncLogger name="dev.layerkit.gateway.access" level="info" additivity="false">
      <AppenderRef ref="FILE"/>
    </AsyncLogger>
    <Root level="warn"/>
  </Loggers>
</Configuration>
XML
  cat > "$RESULTS_DIR/logback-$mode-$round.xml" <<XML
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>$RESULTS_DIR/access-$mode-$round.log</file>
    <immediateFlush>false</immediateFlush>
    <encoder><pattern>%msg%n</pattern></encoder>
  </appender>
  <appender name="ASYNC" class="ch.qos.logback.classic.AsyncAppender">
    <queueSize>16384</queueSize>
    <discardingThreshold>0</discardingThreshold>
    <neverBlock>true</neverBlock>
    <appender-ref ref="FILE"/>
  </appender>
  <logger name="dev.layerkit.gateway.access" level="INFO" additivity="false">
    $([ "$BACKEND" = discard ] || echo '<appender-ref ref="ASYNC"/>')
  </logger>
  <root level="WARN"/>
</configuration>
XML
  java -Xms512m -Xmx512m -XX:+UseParallelGC -Dio.netty.leakDetection.level=disabled \
      "-Dslf4j.provider=$PROVIDER" "-Dlogback.configurationFile=$RESULTS_DIR/logback-$mode-$round.xml" \
      "-Dlog4j2.configurationFile=$RESULTS_DIR/log4j2-$mode-$round.xml" \
      "-Dlog4j2.asyncLoggerConfigWaitStrategy=$LOG4J2_WAIT_STRATEGY" \
      -Dlog4j2.asyncQueueFullPolicy=Discard -Dlog4j2.discardThreshold=INFO \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      -Dorg.slf4j.simpleLogger.log.dev.layerkit.gateway.access=info \
      -Dorg.slf4j.simpleLogger.showThreadName=false \
      "-Dorg.slf4j.simpleLogger.logFile=$RESULTS_DIR/access-$mode-$round.log" \
      -cp "$BACKEND_CP:$BENCH_JAR" dev.layerkit.benchmarks.gateway.GatewayBenchServer \
      --port "$port" --upstream "127.0.0.1:$UPSTREAM_PORT" --api-key "$API_KEY" \
      --access-log "$mode" $GATEWAY_ARGS > "$RESULTS_DIR/gateway-$mode-$round.out" 2>&1 &
  pid=$!
  PIDS+=($pid)
  wait_for_200 "http://127.0.0.1:$port/"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -H "X-API-Key: $API_KEY" "http://127.0.0.1:$port/" > /dev/null
  ticks_before="$(cpu_ticks "$pid")"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "X-API-Key: $API_KEY" \
      "http://127.0.0.1:$port/" > "$out"
  ticks_after="$(cpu_ticks "$pid")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  grep -q "Non-2xx" "$out" && log "WARNING: non-2xx answers in $out"
  echo "$(awk '/^Requests\/sec:/ {print $2}' "$out") $(awk '$1 == "99%" {print $2}' "$out")" \
    "$(awk -v t="$((ticks_after - ticks_before))" -v hz="$(getconf CLK_TCK)" '/requests in/ {
        printf "%.1f", t * 1000000 / hz / $1 }' "$out")"
}

log "Results in $RESULTS_DIR; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| round | off req/s | off p99 | on req/s | on p99 | on/off | CPU us/request off | on | on - off |"
echo "|---|---|---|---|---|---|---|---|---|"
RATIOS=()
DELTAS=()
for round in $(seq 1 "$ROUNDS"); do
  # Odd rounds measure off first, even rounds on first, so a drift in the machine's load
  # during a round does not favour one side.
  if (( round % 2 )); then
    read -r off_rps off_p99 off_cpu <<< "$(measure off "$round")"
    read -r on_rps on_p99 on_cpu <<< "$(measure on "$round")"
  else
    read -r on_rps on_p99 on_cpu <<< "$(measure on "$round")"
    read -r off_rps off_p99 off_cpu <<< "$(measure off "$round")"
  fi
  ratio="$(awk -v a="$on_rps" -v b="$off_rps" 'BEGIN { printf "%.3f", a / b }')"
  delta="$(awk -v a="$on_cpu" -v b="$off_cpu" 'BEGIN { printf "%.1f", a - b }')"
  RATIOS+=("$ratio")
  DELTAS+=("$delta")
  echo "| $round | $off_rps | $off_p99 | $on_rps | $on_p99 | $ratio | $off_cpu | $on_cpu | $delta |"
done
lines="$(cat "$RESULTS_DIR"/access-on-*.log 2>/dev/null | wc -l)"
printf '%s\n' "${RATIOS[@]}" | awk -v lines="$lines" '{ s += $1; if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1; n++ }
  END { printf "on/off mean %.3f (min %.3f, max %.3f) over %d rounds; %d access-log lines written\n", s / n, min, max, n, lines }'
printf '%s\n' "${RATIOS[@]}" | sort -n | awk '{ a[NR] = $1 } END {
  printf "on/off median %.3f\n", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
printf '%s\n' "${DELTAS[@]}" | sort -n | awk '{ a[NR] = $1 } END {
  printf "CPU per line (on - off): median %.1f us (min %.1f, max %.1f)\n", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2, a[1], a[NR] }'
echo "Backend: $BACKEND. Machine: $(nproc) CPUs, load at end $(cut -d' ' -f1-3 /proc/loadavg); wrk -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up $WARMUP)"
