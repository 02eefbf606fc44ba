#!/usr/bin/env bash
# The Redis rate limiter inside the gateway against the in-memory limiter inside the same gateway
# (issue 16): one GatewayBenchServer process with two routes that differ only in their limiter,
# /memory/ (in memory) and /redis/ (RedisRateLimiter on $REDIS_URI, fail closed, limits so high
# that nothing is denied), measured with wrk one after the other in each of $ROUNDS rounds (in
# turns: /memory/ first in odd rounds, /redis/ first in even ones).
# Prints requests/s and p99 per route and round, the ratio redis/in-memory per round and the
# median ratio. A limiter that blocked the event loop for its Redis round trip would show as a
# ratio far below 1; the target is >= 0.8.
#
# The upstream is nginx answering a fixed 100-byte body (the template of run.sh). Every request
# carries the API key, so every request of a route counts against one key: one hot Redis key.
# Any non-2xx answer (a Redis decision that failed closed) is reported, and makes that round's
# numbers not comparable.
#
# The anchor: each round also runs redis-benchmark's PING against the same Redis with as many
# connections as wrk, the most round trips a second that Redis (and this machine) serve at all.
# Where it is not far above the in-memory route's rate, the Redis route is bound by Redis, not
# by the gateway: read the ratio with it. The last column counts the server's EVALSHA calls per
# request of the Redis route (INFO commandstats; other clients of a shared server add to it): 1
# when every decision is a call of its own, below 1 when concurrent decisions for the one key
# share calls.
#
# Requests/s of a closed loop (wrk) on a shared machine move with its load; CPU time per request
# moves far less. So each round also reports, per route, the CPU time (user + system, from /proc,
# over the measured wrk run) per request of the gateway process and of the Redis server (when it
# is a local process), and the machine's idle share: a route that leaves CPUs idle is bound by
# latency, one that does not by CPU. threads-<route>-<round>.txt in RESULTS_DIR breaks the
# gateway's CPU per request down by thread (event loops, Lettuce's I/O thread, the timeout timer).
#
# Usage: benchmarks/gateway/redis-limiter.sh   (needs nginx, wrk, curl and a Redis; the jar from
#                                               ./mvnw -B -q package -pl benchmarks -am -DskipTests)
# Settings (environment):
#   REDIS_URI=redis://127.0.0.1:6379          the Redis the limiter uses (keys under a prefix of
#                                             this run; they expire after a second)
#   PING_REQUESTS=100000                      redis-benchmark -n, per round
#   ROUNDS=3 THREADS=2 CONNECTIONS=64 DURATION=10s WARMUP=5s (one warm-up per route, first round)
#   BENCH_JAR=benchmarks/target/benchmarks.jar
#   GATEWAY_JAVA_OPTS="-Xms512m -Xmx512m -XX:+UseParallelGC -Dio.netty.leakDetection.level=disabled"
#   GATEWAY_ARGS=""                           more GatewayBenchServer options, e.g. "--threads 1", or
#                                             "--redis-shared-loops on": Lettuce on the gateway's own
#                                             event loops (EventLoops, RedisEventLoops) instead of
#                                             its own I/O thread; "--redis-per-loop on": the same
#                                             with a connection per loop (LoopConnections)
#   RESULTS_DIR=<temp dir>                    where configs, logs and wrk outputs go
#   JFR=""                                    a JFR settings name (profile, default) records each
#                                             measured wrk run of the gateway to RESULTS_DIR/<run>.jfr
#                                             (jcmd; the recording itself costs CPU: not for the table)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

REDIS_URI="${REDIS_URI:-redis://127.0.0.1:6379}"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-5s}"
GATEWAY_ARGS="${GATEWAY_ARGS:-}"
JFR="${JFR:-}"
BENCH_JAR="${BENCH_JAR:-$ROOT/benchmarks/target/benchmarks.jar}"
API_KEY="${API_KEY:-lk_bench_7f3c9a1e5b2d4f6081a3c5e7f9b1d3e5}"
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC -Dio.netty.leakDetection.level=disabled}"
UPSTREAM_WORKERS="${UPSTREAM_WORKERS:-1}"
PING_REQUESTS="${PING_REQUESTS:-100000}"
RESULTS_DIR="${RESULTS_DIR:-$(mktemp -d -t layerkit-redis-limiter-bench.XXXXXX)}"

log() { printf '%s\n' "$*" >&2; }
die() { log "redis-limiter.sh: $*"; exit 1; }

for tool in wrk curl java python3 redis-benchmark; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (Debian: apt-get install wrk curl redis-tools)"
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || die "nginx is missing (Debian: apt-get install nginx)"
[ -f "$BENCH_JAR" ] || die "$BENCH_JAR not found: ./mvnw -B -q package -pl benchmarks -am -DskipTests"

# Only the processes this script starts are stopped on exit.
. "$HERE/processes.sh"

wait_for_http() { # url header
  local i code
  for i in $(seq 1 100); do
    code="$(curl -s -o /dev/null -w '%{http_code}' -H "$2" "$1" || true)"
    [ "$code" = "200" ] && return 0
    sleep 0.1
  done
  die "$1 did not answer 200 (last status: ${code:-none}); see $RESULTS_DIR"
}

to_ms() { # wrk latency such as 512.00us, 1.20ms, 1.01s
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else { printf "nan" } }'
}

# EVALSHA calls the server has served (INFO commandstats): the limiter's script calls, plus those
# of any other client of a shared server.
evalsha_calls() {
  redis-cli -u "$REDIS_URI" INFO commandstats | tr -d '\r' \
    | awk -F'[:=,]' '$1 == "cmdstat_evalsha" { n = $3 } END { print n + 0 }'
}

# CPU time (user + system, in clock ticks) of a process, all its threads; 0 if unreadable.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# The machine's busy and total ticks over all CPUs (/proc/stat's first line).
machine_ticks() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; }
# Per-thread CPU ticks of a process, one "name ticks" line per thread (names cut at 15 characters).
thread_ticks() {
  local task
  for task in /proc/"$1"/task/*; do
    awk '{ line = $0; sub(/^[^(]*\(/, "", line); name = line; sub(/\).*$/, "", name); sub(/^[^)]*\) /, "", line);
           split(line, f, " "); gsub(/ /, "_", name); print name, f[12] + f[13] }' "$task/stat" 2>/dev/null || true
  done
}
# Sums thread_ticks' output by thread name with digits dropped (event loop threads together).
thread_groups() { sed -E 's/[0-9]+( [0-9]+)$/#\1/' | awk '{ t[$1] += $2 } END { for (n in t) print n, t[n] }' | sort; }

# CPU ticks of the upstream nginx's workers (the master's children).
nginx_ticks() {
  local pid sum=0
  for pid in $(pgrep -P "$NGINX_PID" 2>/dev/null); do sum=$((sum + $(cpu_ticks "$pid"))); done
  echo "$sum"
}
per_request() { # ticks requests -> microseconds per request
  awk -v t="$1" -v hz="$CLK_TCK" -v n="$2" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }'
}

RPS=""; P99=""; REQUESTS=""; GW_CPU=""; REDIS_CPU=""; NGINX_CPU=""; WRK_CPU=""; IDLE=""
run_wrk() { # name url duration
  local out="$RESULTS_DIR/wrk-$1.txt" non2xx gw_before gw_after redis_before redis_after m_before m_after
  local nginx_before nginx_after
  gw_before="$(cpu_ticks "$GATEWAY_PID")"; redis_before="$(cpu_ticks "$REDIS_PID")"; m_before="$(machine_ticks)"
  nginx_before="$(nginx_ticks)"
  thread_ticks "$GATEWAY_PID" | thread_groups > "$RESULTS_DIR/threads-$1.before"
  if [ -n "$JFR" ] && [[ "$1" != *warmup* ]]; then
    jcmd "$GATEWAY_PID" JFR.start name="$1" settings="$JFR" filename="$RESULTS_DIR/$1.jfr" > /dev/null
  fi
  /usr/bin/time -f '%U %S' -o "$RESULTS_DIR/wrk-$1.cpu" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" --latency -H "X-API-Key: $API_KEY" "$2" > "$out"
  if [ -n "$JFR" ] && [[ "$1" != *warmup* ]]; then
    jcmd "$GATEWAY_PID" JFR.stop name="$1" > /dev/null
  fi
  gw_after="$(cpu_ticks "$GATEWAY_PID")"; redis_after="$(cpu_ticks "$REDIS_PID")"; m_after="$(machine_ticks)"
  nginx_after="$(nginx_ticks)"
  thread_ticks "$GATEWAY_PID" | thread_groups > "$RESULTS_DIR/threads-$1.after"
  RPS="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
  REQUESTS="$(awk '/requests in/ {print $1}' "$out")"
  GW_CPU="$(per_request "$((gw_after - gw_before))" "$REQUESTS")"
  REDIS_CPU="$(per_request "$((redis_after - redis_before))" "$REQUESTS")"
  NGINX_CPU="$(per_request "$((nginx_after - nginx_before))" "$REQUESTS")"
  WRK_CPU="$(awk -v n="$REQUESTS" '{ printf "%.1f", ($1 + $2) * 1e6 / n; exit }' "$RESULTS_DIR/wrk-$1.cpu")"
  IDLE="$(awk -v b="$m_before" -v a="$m_after" 'BEGIN { split(b, x, " "); split(a, y, " ");
      printf "%.0f", 100 * (1 - (y[1] - x[1]) / (y[2] - x[2])) }')"
  # Per-thread CPU per request of the gateway, by thread group: where the gateway's time went.
  join -a2 -e 0 -o '0,1.2,2.2' "$RESULTS_DIR/threads-$1.before" "$RESULTS_DIR/threads-$1.after" \
    | awk -v hz="$CLK_TCK" -v n="$REQUESTS" '{ printf "%-18s %7.2f us/request\n", $1, ($3 - $2) * 1e6 / hz / n }' \
    > "$RESULTS_DIR/threads-$1.txt"
  P99="$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")"
  [ -n "$RPS" ] || die "could not read wrk's output: $out"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$out")"
  if [ -n "$non2xx" ]; then
    log "  WARNING: $1 answered $non2xx non-2xx responses (a failed Redis decision is a 429): not comparable"
  fi
}

# --- start --------------------------------------------------------------------------------------
mkdir -p "$RESULTS_DIR/tmp"
UPSTREAM_PORT="$(free_port)"
GATEWAY_PORT="$(free_port)"
BODY="$(python3 -c 'print(("layerkit-gateway-benchmark-fixed-100-byte-body-" * 3)[:100])')"
LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg)"
log "Results, configs and logs: $RESULTS_DIR"
sed -e "s|@PREFIX@|$RESULTS_DIR|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" -e "s|@BODY@|$BODY|g" \
    -e "s|@UPSTREAM_WORKERS@|$UPSTREAM_WORKERS|g" \
    "$HERE/nginx-upstream.conf.template" > "$RESULTS_DIR/nginx-upstream.conf"
"$NGINX" -e "$RESULTS_DIR/startup-error.log" -p "$RESULTS_DIR" -c "$RESULTS_DIR/nginx-upstream.conf" &
NGINX_PID=$!
PIDS+=($NGINX_PID)

# shellcheck disable=SC2086
java $GATEWAY_JAVA_OPTS -cp "$BENCH_JAR" dev.layerkit.benchmarks.gateway.GatewayBenchServer \
  --port "$GATEWAY_PORT" --upstream "127.0.0.1:$UPSTREAM_PORT" --api-key "$API_KEY" \
  --redis "$REDIS_URI" $GATEWAY_ARGS > "$RESULTS_DIR/gateway.out" 2> "$RESULTS_DIR/gateway.err" &
GATEWAY_PID=$!
PIDS+=($GATEWAY_PID)
for i in $(seq 1 600); do
  grep -q '^READY' "$RESULTS_DIR/gateway.out" 2>/dev/null && break
  kill -0 "$GATEWAY_PID" 2>/dev/null || die "the gateway exited; see $RESULTS_DIR/gateway.err"
  sleep 0.1
done
grep -q '^READY' "$RESULTS_DIR/gateway.out" || die "the gateway did not print READY within 60 s"
CLK_TCK="$(getconf CLK_TCK)"
# The Redis server's process, when it runs on this machine and /proc shows it: its CPU per request.
REDIS_PID="$(redis-cli -u "$REDIS_URI" INFO server 2>/dev/null | tr -d '\r' | awk -F: '$1 == "process_id" {print $2}')"
[ -n "$REDIS_PID" ] && [ -r "/proc/$REDIS_PID/stat" ] || REDIS_PID=0
MEMORY_URL="http://127.0.0.1:$GATEWAY_PORT/memory/"
REDIS_URL="http://127.0.0.1:$GATEWAY_PORT/redis/"
wait_for_http "$MEMORY_URL" "X-API-Key: $API_KEY"
wait_for_http "$REDIS_URL" "X-API-Key: $API_KEY"

if [ "$WARMUP" != "0" ]; then
  log "warm-up $WARMUP per route"
  run_wrk memory-warmup "$MEMORY_URL" "$WARMUP"
  run_wrk redis-warmup "$REDIS_URL" "$WARMUP"
fi

ROWS=()
CPU_ROWS=()
CPU_RATIOS=()
RATIOS=()
for round in $(seq 1 "$ROUNDS"); do
  log "round $round/$ROUNDS: wrk -t$THREADS -c$CONNECTIONS -d$DURATION on /memory/ and /redis/"
  # Odd rounds measure /memory/ first, even rounds /redis/ first, so that a drift in the machine's
  # load between the two runs of a round does not always favour the same route.
  if [ $((round % 2)) -eq 1 ]; then
    run_wrk "memory-$round" "$MEMORY_URL" "$DURATION"; memory_rps="$RPS"; memory_p99="$P99"
    memory_cpu="$GW_CPU"; memory_redis_cpu="$REDIS_CPU"; memory_idle="$IDLE"
    memory_total="$(awk -v a="$GW_CPU" -v b="$REDIS_CPU" -v c="$NGINX_CPU" -v d="$WRK_CPU" 'BEGIN { printf "%.1f", a + b + c + d }')"
  fi
  evalsha_before="$(evalsha_calls)"
  run_wrk "redis-$round" "$REDIS_URL" "$DURATION"; redis_rps="$RPS"; redis_p99="$P99"
  redis_cpu="$GW_CPU"; redis_redis_cpu="$REDIS_CPU"; redis_idle="$IDLE"
  redis_total="$(awk -v a="$GW_CPU" -v b="$REDIS_CPU" -v c="$NGINX_CPU" -v d="$WRK_CPU" 'BEGIN { printf "%.1f", a + b + c + d }')"
  calls_per_request="$(awk -v c="$(( $(evalsha_calls) - evalsha_before ))" -v n="$REQUESTS" \
      'BEGIN { printf "%.3f", c / n }')"
  if [ $((round % 2)) -eq 0 ]; then
    run_wrk "memory-$round" "$MEMORY_URL" "$DURATION"; memory_rps="$RPS"; memory_p99="$P99"
    memory_cpu="$GW_CPU"; memory_redis_cpu="$REDIS_CPU"; memory_idle="$IDLE"
    memory_total="$(awk -v a="$GW_CPU" -v b="$REDIS_CPU" -v c="$NGINX_CPU" -v d="$WRK_CPU" 'BEGIN { printf "%.1f", a + b + c + d }')"
  fi
  ping_rps="$(redis-benchmark -u "$REDIS_URI" --csv -n "$PING_REQUESTS" -c "$CONNECTIONS" -t ping_mbulk 2>/dev/null \
      | awk -F'"' '$2 == "PING_MBULK" {print $4}')"
  [ -n "$ping_rps" ] || die "redis-benchmark gave no result against $REDIS_URI"
  ratio="$(awk -v r="$redis_rps" -v m="$memory_rps" 'BEGIN { printf "%.2f", r / m }')"
  RATIOS+=("$ratio")
  ROWS+=("$(awk -v n="$round" -v m="$memory_rps" -v mp="$memory_p99" -v r="$redis_rps" -v rp="$redis_p99" -v q="$ratio" -v p="$ping_rps" -v c="$calls_per_request" \
      'BEGIN { printf "| %d | %.0f | %.3f | %.0f | %.3f | %s | %.0f | %s |", n, m, mp, r, rp, q, p, c }')")
  cpu_ratio="$(awk -v m="$memory_total" -v r="$redis_total" 'BEGIN { printf "%.2f", m / r }')"
  CPU_RATIOS+=("$cpu_ratio")
  CPU_ROWS+=("| $round | $memory_cpu | $redis_cpu | $memory_redis_cpu | $redis_redis_cpu | $memory_total | $redis_total | $cpu_ratio | $memory_idle | $redis_idle |")
  log "  in-memory $memory_rps req/s, Redis $redis_rps req/s: ratio $ratio; Redis PING alone $ping_rps/s; $calls_per_request EVALSHA per request"
  log "  CPU per request: gateway $memory_cpu / $redis_cpu us, redis-server $memory_redis_cpu / $redis_redis_cpu us, all four $memory_total / $redis_total us (in-memory / Redis): ratio $cpu_ratio; machine idle $memory_idle% / $redis_idle%"
done
median() { sort -n | awk '{ a[NR] = $1 } END {
  if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
MEDIAN="$(printf '%s\n' "${RATIOS[@]}" | median)"
CPU_MEDIAN="$(printf '%s\n' "${CPU_RATIOS[@]}" | median)"

{
  echo
  echo "Machine: $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); Redis: $REDIS_URI ($(redis-cli -u "$REDIS_URI" INFO server 2>/dev/null | awk -F: '/^redis_version/ {print $2}' | tr -d '\r' || true))"
  echo "Tools: $(wrk -v 2>&1 | head -1 | awk '{print "wrk " $2}'), $(java -version 2>&1 | head -1)"
  echo "Load average (1, 5, 15 min): $LOAD_AT_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end; other processes share these CPUs unless it is near 0"
  echo "Run: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency per route and round; gateway: $GATEWAY_JAVA_OPTS $GATEWAY_ARGS"
  echo
  echo "| round | in-memory req/s | in-memory p99 (ms) | Redis req/s | Redis p99 (ms) | Redis / in-memory | redis-benchmark PING/s | EVALSHA per Redis-route request |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Median ratio Redis / in-memory over $ROUNDS rounds: $MEDIAN (target >= 0.8)"
  echo
  echo "CPU per request (user + system over each measured wrk run, microseconds): the gateway process (all its threads), the Redis server (0 when it is not a local process), and all four processes of the benchmark (gateway, Redis server, upstream nginx, wrk); their in-memory / Redis ratio is the requests/s ratio the route would have if the machine were the benchmark's alone and CPU-bound. Idle: the machine's idle share during the run"
  echo
  echo "| round | gateway in-memory | gateway Redis | redis-server in-memory | redis-server Redis | all four in-memory | all four Redis | CPU ratio in-memory / Redis | idle % in-memory | idle % Redis |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${CPU_ROWS[@]}"
  echo
  echo "Median CPU ratio (all four, in-memory / Redis) over $ROUNDS rounds: $CPU_MEDIAN"
  echo
  echo "Per-thread CPU per request of the gateway, per route and round: $RESULTS_DIR/threads-*.txt"
} | tee "$RESULTS_DIR/table.md"
