#!/usr/bin/env bash
# CPU time per request of proxies side by side (issue 23): the gateway in several configurations
# and nginx, each measured in turn against the same nginx upstream (run.sh's: `return 200`, a
# 100-byte body) with the same wrk settings, for ROUNDS rounds in a rotating order (round r starts
# with the r-th variant), so a drift of the machine's load favours none.
#
# For each variant and round it reports requests/s, p99 and the proxy's CPU time per request:
# user + system (also reported apart) of all its threads (for nginx, the master and its workers) from /proc over the
# measured wrk run, divided by the requests wrk completed; for the gateway also its event-loop
# threads' alone (without the JIT compiler and GC threads, whose share shrinks as the JVM warms). On a shared machine requests/s follow
# whoever else runs; the CPU a request costs the proxy moves far less, which is why this is the
# measure to compare changes by while the machine is loaded (run.sh's ratios need it idle).
#
# VARIANTS is a ';'-separated list of NAME=ARGS: GatewayBenchServer options, and JVM options
# (-D..., -XX...) added to GATEWAY_JAVA_OPTS for that variant; NAME "nginx" (no args) is nginx's
# proxy_pass as run.sh configures it. A variant NAME@JAR=ARGS runs that benchmarks jar instead of
# BENCH_JAR (before/after two builds). Example:
#   VARIANTS='nginx;epoll=--transport epoll;io_uring=--transport io_uring' \
#     ROUNDS=5 benchmarks/gateway/cpu-per-request.sh
#
# PROTOCOL h2-tls loads with h2load (Debian's nghttp2-client) instead of wrk, MAX_STREAMS concurrent
# streams per connection, as run.sh does; its p99 column then holds h2load's maximum request time.
#
# Settings (environment): VARIANTS (default 'nginx;gateway='), ROUNDS=3, PROTOCOL=h1 (or h1-tls,
#   h2-tls), THREADS=2 CONNECTIONS=64 DURATION=10s WARMUP=10s, MAX_STREAMS=10 (h2-tls),
#   UPSTREAM_POOL=CONNECTIONS (h2-tls: CONNECTIONS*MAX_STREAMS),
#   GATEWAY_JAVA_OPTS (run.sh's default), PROXY_WORKERS=auto, BENCH_JAR, RESULTS_DIR=<temp dir>
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VARIANTS="${VARIANTS:-nginx;gateway=}"
ROUNDS="${ROUNDS:-3}"
PROTOCOL="${PROTOCOL:-h1}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-10s}"
MAX_STREAMS="${MAX_STREAMS:-10}"
if [ "$PROTOCOL" = "h2-tls" ]; then
  UPSTREAM_POOL="${UPSTREAM_POOL:-$((CONNECTIONS * MAX_STREAMS))}"
else
  UPSTREAM_POOL="${UPSTREAM_POOL:-$CONNECTIONS}"
fi
PROXY_WORKERS="${PROXY_WORKERS:-auto}"
BENCH_JAR="${BENCH_JAR:-$ROOT/benchmarks/target/benchmarks.jar}"
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC -Dio.netty.leakDetection.level=disabled}"
API_KEY="lk_bench_7f3c9a1e5b2d4f6081a3c5e7f9b1d3e5"
RESULTS_DIR="${RESULTS_DIR:-$(mktemp -d -t layerkit-cpu-per-request.XXXXXX)}"

log() { printf '%s\n' "$*" >&2; }
die() { log "cpu-per-request.sh: $*"; exit 1; }
case "$PROTOCOL" in h1|h1-tls|h2-tls) ;; *) die "PROTOCOL must be h1, h1-tls or h2-tls but was $PROTOCOL" ;; esac
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || die "nginx is missing (apt-get install nginx)"
command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
[ "$PROTOCOL" != "h2-tls" ] || command -v h2load >/dev/null || die "h2load is missing (apt-get install nghttp2-client)"

. "$HERE/processes.sh"

mkdir -p "$RESULTS_DIR/tmp"
SCHEME=http
LISTEN_OPTIONS=""
TLS_DIRECTIVES=""
CURL_TLS=()
TLS_ARGS=""
if [ "$PROTOCOL" != "h1" ]; then
  SCHEME=https
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$RESULTS_DIR/tls-key.pem" -out "$RESULTS_DIR/tls-cert.pem" 2>/dev/null \
    || die "openssl could not make the test certificate"
  LISTEN_OPTIONS=" ssl"
  [ "$PROTOCOL" = "h2-tls" ] && LISTEN_OPTIONS=" ssl http2"
  TLS_DIRECTIVES="ssl_certificate $RESULTS_DIR/tls-cert.pem; ssl_certificate_key $RESULTS_DIR/tls-key.pem; ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:10m;"
  CURL_TLS=(--cacert "$RESULTS_DIR/tls-cert.pem")
  TLS_ARGS="--tls-cert $RESULTS_DIR/tls-cert.pem --tls-key $RESULTS_DIR/tls-key.pem"
fi

UPSTREAM_PORT="$(free_port)"
BODY="$(python3 -c 'print(("layerkit-gateway-benchmark-fixed-100-byte-body-" * 3)[:100])')"
render() { # template output proxy-port
  sed -e "s|@PREFIX@|$RESULTS_DIR|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" \
      -e "s|@LISTEN_OPTIONS@|$LISTEN_OPTIONS|g" -e "s|@TLS@|$TLS_DIRECTIVES|g" \
      -e "s|@PROXY_PORT@|$3|g" -e "s|@BODY@|$BODY|g" \
      -e "s|@PROXY_WORKERS@|$PROXY_WORKERS|g" -e "s|@UPSTREAM_WORKERS@|1|g" -e "s|@KEEPALIVE@|$UPSTREAM_POOL|g" \
      "$1" > "$2"
}
render "$HERE/nginx-upstream.conf.template" "$RESULTS_DIR/nginx-upstream.conf" 0
"$NGINX" -e "$RESULTS_DIR/startup-error.log" -p "$RESULTS_DIR" -c "$RESULTS_DIR/nginx-upstream.conf" &
PIDS+=($!)
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$UPSTREAM_PORT/" && break; sleep 0.1; done

wait_for_200() { # url
  for _ in $(seq 1 300); do
    [ "$(curl -s "${CURL_TLS[@]}" -o /dev/null -w '%{http_code}' -H "X-API-Key: $API_KEY" "$1" || true)" = 200 ] && return 0
    sleep 0.1
  done
  die "$1 did not answer 200; see $RESULTS_DIR"
}
ticks_of() { # pid...: "user system" ticks of the processes, all threads
  local user=0 system=0 pid u s
  for pid in "$@"; do
    read -r u s < <(awk '{print $14, $15}' "/proc/$pid/stat")
    user=$((user + u)); system=$((system + s))
  done
  echo "$user $system"
}

loop_ticks() { # pid: user + system ticks of the gateway's event-loop threads (layerkit-gw-N-M)
  local total=0 task
  for task in /proc/"$1"/task/*; do
    grep -q '^layerkit-gw-[0-9]' "$task/comm" 2>/dev/null || continue
    total=$((total + $(awk '{print $14 + $15}' "$task/stat")))
  done
  echo "$total"
}

load() { # seconds url out: one measured (or, with out /dev/null, warm-up) load run
  if [ "$PROTOCOL" = "h2-tls" ]; then
    h2load -t"$THREADS" -c"$CONNECTIONS" -m"$MAX_STREAMS" -D "$1" -H "X-API-Key: $API_KEY" "$2" > "$3"
  else
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1s" --latency -H "X-API-Key: $API_KEY" "$2" > "$3"
  fi
}

seconds() { # 10s, 1m -> 10, 60
  awk -v v="$1" 'BEGIN { if (v ~ /m$/) { sub(/m$/, "", v); print v * 60 } else { sub(/s$/, "", v); print v } }'
}

load_result() { # out -> "rps p99 requests" of a load run's output
  if [ "$PROTOCOL" = "h2-tls" ]; then
    grep -q "Application protocol: h2" "$1" || die "h2 was not negotiated; see $1"
    awk '/^finished in/ {gsub(",", "", $4); rps = $4} /^time for request:/ {max = $5}
      /^requests:/ {done = $8; failed = $10}
      END { if (failed != 0) print "WARNING: " failed " requests failed" > "/dev/stderr"; print rps, max, done }' "$1"
  else
    grep -q "Non-2xx" "$1" && log "WARNING: non-2xx answers in $1"
    awk '/^Requests\/sec:/ {rps = $2} $1 == "99%" {p99 = $2} /requests in/ {done = $1} END {print rps, p99, done}' "$1"
  fi
}

measure() { # name jar args round -> prints "rps p99 cpu-us-per-request user-us system-us loop-us"
  local name="$1" jar="$2" args="$3" round="$4" port pid pids out="$RESULTS_DIR/wrk-$1-$4.txt"
  port="$(free_port)"
  if [ "$name" = "nginx" ]; then
    render "$HERE/nginx-proxy.conf.template" "$RESULTS_DIR/nginx-proxy-$round.conf" "$port"
    "$NGINX" -e "$RESULTS_DIR/startup-error.log" -p "$RESULTS_DIR" -c "$RESULTS_DIR/nginx-proxy-$round.conf" &
    pid=$!
  else
    local jvm=() server=() token
    for token in $args; do # -D and -XX options go to the JVM, the rest to GatewayBenchServer
      case "$token" in -D*|-XX*) jvm+=("$token") ;; *) server+=("$token") ;; esac
    done
    # shellcheck disable=SC2086
    java $GATEWAY_JAVA_OPTS "${jvm[@]}" -cp "$jar" dev.layerkit.benchmarks.gateway.GatewayBenchServer \
      --port "$port" --upstream "127.0.0.1:$UPSTREAM_PORT" --api-key "$API_KEY" \
      --max-idle "$UPSTREAM_POOL" $TLS_ARGS "${server[@]}" > "$RESULTS_DIR/gateway-$name-$round.out" 2>&1 &
    pid=$!
  fi
  PIDS+=($pid)
  wait_for_200 "$SCHEME://127.0.0.1:$port/"
  load "$(seconds "$WARMUP")" "$SCHEME://127.0.0.1:$port/" /dev/null
  pids=("$pid")
  [ "$name" = "nginx" ] && mapfile -t -O 1 pids < <(pgrep -P "$pid")
  local user0 sys0 user1 sys1 loop0=0 loop1=0
  read -r user0 sys0 <<< "$(ticks_of "${pids[@]}")"
  [ "$name" = "nginx" ] || loop0="$(loop_ticks "$pid")"
  load "$(seconds "$DURATION")" "$SCHEME://127.0.0.1:$port/" "$out"
  read -r user1 sys1 <<< "$(ticks_of "${pids[@]}")"
  [ "$name" = "nginx" ] || loop1="$(loop_ticks "$pid")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  local rps p99 done
  read -r rps p99 done <<< "$(load_result "$out")"
  echo "$rps $p99" \
    "$(awk -v n="$done" -v u="$((user1 - user0))" -v s="$((sys1 - sys0))" -v l="$((loop1 - loop0))" -v hz="$(getconf CLK_TCK)" 'BEGIN {
        printf "%.2f %.2f %.2f %.2f", (u + s) * 1000000 / hz / n, u * 1000000 / hz / n, s * 1000000 / hz / n, l * 1000000 / hz / n }')"
}

IFS=';' read -r -a SPECS <<< "$VARIANTS"
NAMES=(); JARS=(); ARGS=()
for spec in "${SPECS[@]}"; do
  head="${spec%%=*}"; args=""
  [[ "$spec" == *=* ]] && args="${spec#*=}"
  name="${head%%@*}"; jar="$BENCH_JAR"
  [[ "$head" == *@* ]] && jar="${head#*@}"
  [ "$name" = "nginx" ] || [ -f "$jar" ] || die "$jar not found: ./mvnw -B -q package -pl benchmarks -am -DskipTests"
  NAMES+=("$name"); JARS+=("$jar"); ARGS+=("$args")
done
N=${#NAMES[@]}

log "Results in $RESULTS_DIR; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| round | variant | requests/s | p99 | CPU us/request | user | system | event loops |"
echo "|---|---|---|---|---|---|---|---|"
declare -A CPU RPS LOOPS
for round in $(seq 1 "$ROUNDS"); do
  for k in $(seq 0 $((N - 1))); do
    i=$(((k + round - 1) % N))
    read -r rps p99 cpu user system loops <<< "$(measure "${NAMES[$i]}" "${JARS[$i]}" "${ARGS[$i]}" "$round")"
    echo "| $round | ${NAMES[$i]} | $rps | $p99 | $cpu | $user | $system | $loops |"
    LOOPS[${NAMES[$i]}]+="$loops "
    CPU[${NAMES[$i]}]+="$cpu "
    RPS[${NAMES[$i]}]+="$rps "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END {
  printf "%.2f (%.2f-%.2f)", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2, a[1], a[NR] }'; }
echo
echo "| variant | CPU us/request, median (min-max) | event loops only | requests/s, median (min-max) |"
echo "|---|---|---|---|"
for name in "${NAMES[@]}"; do
  echo "| $name | $(echo "${CPU[$name]}" | median) | $(echo "${LOOPS[$name]}" | median) | $(echo "${RPS[$name]}" | median) |"
done
echo
if [ "$PROTOCOL" = "h2-tls" ]; then LOADER="h2load -t$THREADS -c$CONNECTIONS -m$MAX_STREAMS -D $DURATION (p99 = max)"
else LOADER="wrk -t$THREADS -c$CONNECTIONS -d$DURATION"; fi
echo "Protocol $PROTOCOL, $LOADER (warm-up $WARMUP each), $ROUNDS rounds;" \
  "$(nproc) CPUs, load at end $(cut -d' ' -f1-3 /proc/loadavg)"
