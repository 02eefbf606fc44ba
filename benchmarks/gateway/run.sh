#!/usr/bin/env bash
# Load comparison of the Layerkit gateway against nginx proxy_pass (issue 4): the same tiny
# upstream measured directly, through nginx and through the gateway, with wrk using the same
# threads, connections and duration for each. Prints requests/s, p50, p99 and the ratios to
# nginx; keeps wrk's raw output in $RESULTS_DIR.
#
# The upstream is a separate nginx process (UPSTREAM_WORKERS workers, default 1) answering every
# request with a fixed 100-byte body from `return 200`, so that it is fast and identical for all
# three runs. The proxy under test is a second nginx process (PROXY_WORKERS, default auto) with
# proxy_pass to an `upstream {}` block holding `keepalive 64`, `proxy_http_version 1.1` and
# `proxy_set_header Connection ""` (pooled keep-alive upstream connections).
#
# The gateway run starts
#   java $GATEWAY_JAVA_OPTS -cp $BENCH_JAR dev.layerkit.benchmarks.gateway.GatewayBenchServer \
#       --port <port> --upstream 127.0.0.1:<upstream port> --api-key <key>
# which must print a line READY on stdout once it listens, route every path to the upstream,
# require the API key (sent by wrk as X-API-Key) and rate-limit per key with a limit that never
# denies. SKIP_GATEWAY=1 leaves it out.
#
# PROTOCOL chooses what the client speaks to nginx and to the gateway (the upstream side is
# always HTTP/1.1 keep-alive):
#   h1       HTTP/1.1 in plaintext, wrk (the default, and the comparison of issue 4);
#   h1-tls   HTTP/1.1 over TLS, wrk: both proxies terminate TLS with the same self-signed
#            certificate (an ECDSA P-256 key made by openssl for the run), TLS 1.2 and 1.3;
#   h2-tls   HTTP/2 over TLS (ALPN h2), h2load from Debian's nghttp2-client, -m MAX_STREAMS
#            concurrent streams per connection; h2load reports no percentiles, so the table's
#            p50/p99 columns hold its mean and max request time.
# In the TLS modes the gateway gets --tls-cert and --tls-key, and the direct row is left out
# (the upstream speaks plaintext HTTP/1.1 only).
#
# Usage: benchmarks/gateway/run.sh            (from anywhere; needs nginx and wrk, and h2load
#                                              for h2-tls, installed from Debian's packages if
#                                              missing)
# Settings (environment):
#   PROTOCOL=h1                               h1, h1-tls or h2-tls (see above)
#   MAX_STREAMS=10                            h2load -m: concurrent streams per connection
#   THREADS=2 CONNECTIONS=64 DURATION=15s     wrk -t -c -d, the same for every target
#   WARMUP=5s                                 an unrecorded wrk run before each target ("0" = none)
#   SKIP_GATEWAY=0                            1 = direct and nginx only
#   GATEWAY_FIRST=0                           1 = measure the gateway before nginx (alternate it
#                                             between rounds so a load drift favours neither)
#   BENCH_JAR=benchmarks/target/benchmarks.jar
#   API_KEY=...                               the key the gateway is started with and wrk sends
#   GATEWAY_JAVA_OPTS="-Xms512m -Xmx512m -XX:+UseParallelGC -Dio.netty.leakDetection.level=disabled"
#                                             JVM options of the gateway (production settings:
#                                             Netty's sampling leak detector costs about 20% here)
#   GATEWAY_ARGS=""                           more GatewayBenchServer options, e.g. "--threads 1", or
#                                             "--transport epoll" (io_uring by default, where it runs)
#   PROXY_WORKERS=auto UPSTREAM_WORKERS=1     nginx worker_processes
#   UPSTREAM_POOL=CONNECTIONS (h2-tls: CONNECTIONS*MAX_STREAMS)
#                                             idle upstream connections kept per nginx worker
#                                             (keepalive) and per gateway event loop
#   RESULTS_DIR=<temp dir>                    where configs, logs and wrk outputs go
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

PROTOCOL="${PROTOCOL:-h1}"
MAX_STREAMS="${MAX_STREAMS:-10}"
case "$PROTOCOL" in
  h1|h1-tls|h2-tls) ;;
  *) printf 'run.sh: PROTOCOL must be h1, h1-tls or h2-tls but was %s\n' "$PROTOCOL" >&2; exit 2 ;;
esac
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
# Idle upstream connections each proxy keeps per worker (nginx `keepalive`, the gateway's
# maxIdleConnectionsPerEndpoint per event loop): the requests in flight, so that neither closes
# and reopens upstream connections under a steady load (with 64 and h2load's 640 streams in
# flight, both did, thousands a second, each a TIME_WAIT socket).
if [ "$PROTOCOL" = "h2-tls" ]; then
  UPSTREAM_POOL="${UPSTREAM_POOL:-$((CONNECTIONS * MAX_STREAMS))}"
else
  UPSTREAM_POOL="${UPSTREAM_POOL:-$CONNECTIONS}"
fi
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-5s}"
SKIP_GATEWAY="${SKIP_GATEWAY:-0}"
GATEWAY_FIRST="${GATEWAY_FIRST:-0}"
GATEWAY_ARGS="${GATEWAY_ARGS:-}"
BENCH_JAR="${BENCH_JAR:-$ROOT/benchmarks/target/benchmarks.jar}"
API_KEY="${API_KEY:-lk_bench_7f3c9a1e5b2d4f6081a3c5e7f9b1d3e5}"
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC -Dio.netty.leakDetection.level=disabled}"
PROXY_WORKERS="${PROXY_WORKERS:-auto}"
UPSTREAM_WORKERS="${UPSTREAM_WORKERS:-1}"
RESULTS_DIR="${RESULTS_DIR:-$(mktemp -d -t layerkit-gateway-bench.XXXXXX)}"

log() { printf '%s\n' "$*" >&2; }
die() { log "run.sh: $*"; exit 1; }

# --- tools -------------------------------------------------------------------------------------
install_missing() {
  local missing=()
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  [ "$PROTOCOL" = "h2-tls" ] && ! command -v h2load >/dev/null 2>&1 && missing+=(nghttp2-client)
  [ ${#missing[@]} -eq 0 ] && return
  log "Installing ${missing[*]} from the Debian packages"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
install_missing
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
# -e (nginx >= 1.19.5) keeps the startup error log in $RESULTS_DIR, so that no run needs root.

# --- processes we start, and only those, are stopped on exit ----------------------------------
. "$HERE/processes.sh"

wait_for_http() { # url [header]
  local url="$1" header="${2:-}" i code
  for i in $(seq 1 100); do
    if [ -n "$header" ]; then
      code="$(curl -s "${CURL_TLS[@]}" -o /dev/null -w '%{http_code}' -H "$header" "$url" || true)"
    else
      code="$(curl -s "${CURL_TLS[@]}" -o /dev/null -w '%{http_code}' "$url" || true)"
    fi
    [ "$code" = "200" ] && return 0
    sleep 0.1
  done
  die "$url did not answer 200 (last status: ${code:-none}); see $RESULTS_DIR"
}

render() { # template output
  sed -e "s|@PREFIX@|$RESULTS_DIR|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" \
      -e "s|@LISTEN_OPTIONS@|$LISTEN_OPTIONS|g" -e "s|@TLS@|$TLS_DIRECTIVES|g" \
      -e "s|@PROXY_PORT@|$PROXY_PORT|g" -e "s|@BODY@|$BODY|g" \
      -e "s|@PROXY_WORKERS@|$PROXY_WORKERS|g" -e "s|@UPSTREAM_WORKERS@|$UPSTREAM_WORKERS|g" -e "s|@KEEPALIVE@|$UPSTREAM_POOL|g" \
      "$1" > "$2"
}

# --- wrk ----------------------------------------------------------------------------------------
to_ms() { # wrk latency such as 512.00us, 1.20ms, 1.01s
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else { printf "nan" } }'
}

declare -A RPS P50 P99 NON2XX ERRORS
run_load() { # name url [header]: wrk, or h2load for h2-tls
  if [ "$PROTOCOL" = "h2-tls" ]; then run_h2load "$@"; else run_wrk "$@"; fi
}

to_seconds() { # 15s, 1m -> seconds
  awk -v v="$1" 'BEGIN { if (v ~ /m$/) { sub(/m$/, "", v); print v * 60 } else { sub(/s$/, "", v); print v } }'
}

run_h2load() { # name url [header]
  local name="$1" url="$2" header="${3:-}" out="$RESULTS_DIR/h2load-$1.txt"
  local args=(-t"$THREADS" -c"$CONNECTIONS" -m"$MAX_STREAMS" -D "$(to_seconds "$DURATION")")
  [ "$WARMUP" != "0" ] && args+=(--warm-up-time="$(to_seconds "$WARMUP")")
  [ -n "$header" ] && args+=(-H "$header")
  log "  measuring $DURATION (warm-up $WARMUP): h2load ${args[*]} $url"
  h2load "${args[@]}" "$url" > "$out"
  grep -q "Application protocol: h2" "$out" || die "$name did not negotiate h2; see $out"
  RPS[$name]="$(awk '/^finished in/ {gsub(",", "", $4); print $4}' "$out")"
  P50[$name]="$(to_ms "$(awk '/^time for request:/ {print $6}' "$out")")"
  P99[$name]="$(to_ms "$(awk '/^time for request:/ {print $5}' "$out")")"
  local failed non2xx
  failed="$(awk '/^requests:/ {print $10}' "$out")"
  non2xx="$(awk '/^status codes:/ {gsub(",", ""); print $5 + $7 + $9}' "$out")"
  [ -n "${RPS[$name]}" ] || die "could not read h2load's output for $name: $out"
  [ "${failed:-0}" = "0" ] || log "  WARNING: $name: $failed requests failed"
  [ "${non2xx:-0}" = "0" ] || log "  WARNING: $name answered $non2xx non-2xx responses: its numbers are not comparable"
}

run_wrk() { # name url [header]
  local name="$1" url="$2" header="${3:-}" out="$RESULTS_DIR/wrk-$1.txt"
  local args=(-t"$THREADS" -c"$CONNECTIONS" --latency)
  [ -n "$header" ] && args+=(-H "$header")
  if [ "$WARMUP" != "0" ]; then
    log "  warm-up $WARMUP"
    wrk "${args[@]}" -d"$WARMUP" "$url" > "$RESULTS_DIR/wrk-$name-warmup.txt"
  fi
  log "  measuring $DURATION: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency ${header:+-H '$header' }$url"
  wrk "${args[@]}" -d"$DURATION" "$url" > "$out"
  RPS[$name]="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
  P50[$name]="$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")"
  P99[$name]="$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")"
  NON2XX[$name]="$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$out")"
  ERRORS[$name]="$(awk '/Socket errors:/ {print $0}' "$out" | sed 's/^ *//')"
  [ -n "${RPS[$name]}" ] || die "could not read wrk's output for $name: $out"
  if [ -n "${NON2XX[$name]}" ]; then
    log "  WARNING: $name answered ${NON2XX[$name]} non-2xx responses: its numbers are not comparable"
  fi
  if [ -n "${ERRORS[$name]}" ]; then
    log "  WARNING: $name: ${ERRORS[$name]}"
  fi
}

# --- start --------------------------------------------------------------------------------------
mkdir -p "$RESULTS_DIR/tmp"
UPSTREAM_PORT="$(free_port)"
PROXY_PORT="$(free_port)"
while [ "$PROXY_PORT" = "$UPSTREAM_PORT" ]; do PROXY_PORT="$(free_port)"; done
BODY="$(python3 -c 'print(("layerkit-gateway-benchmark-fixed-100-byte-body-" * 3)[:100])')"
[ "${#BODY}" -eq 100 ] || die "body is ${#BODY} bytes, not 100"

SCHEME=http
LISTEN_OPTIONS=""
TLS_DIRECTIVES=""
CURL_TLS=()
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
fi

LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg)"
log "Results, configs and logs: $RESULTS_DIR"
render "$HERE/nginx-upstream.conf.template" "$RESULTS_DIR/nginx-upstream.conf"
render "$HERE/nginx-proxy.conf.template" "$RESULTS_DIR/nginx-proxy.conf"
"$NGINX" -t -q -e "$RESULTS_DIR/startup-error.log" -p "$RESULTS_DIR" -c "$RESULTS_DIR/nginx-upstream.conf" 2>>"$RESULTS_DIR/nginx-test.log" \
  || die "nginx rejected the upstream config; see $RESULTS_DIR/nginx-test.log"
"$NGINX" -t -q -e "$RESULTS_DIR/startup-error.log" -p "$RESULTS_DIR" -c "$RESULTS_DIR/nginx-proxy.conf" 2>>"$RESULTS_DIR/nginx-test.log" \
  || die "nginx rejected the proxy config; see $RESULTS_DIR/nginx-test.log"

"$NGINX" -e "$RESULTS_DIR/startup-error.log" -p "$RESULTS_DIR" -c "$RESULTS_DIR/nginx-upstream.conf" &
PIDS+=($!)
wait_for_http "http://127.0.0.1:$UPSTREAM_PORT/"
[ "$(curl -s "http://127.0.0.1:$UPSTREAM_PORT/" | wc -c)" -eq 100 ] || die "upstream body is not 100 bytes"

TARGETS=()
if [ "$PROTOCOL" = "h1" ]; then
  log "direct: the upstream on 127.0.0.1:$UPSTREAM_PORT"
  run_load direct "http://127.0.0.1:$UPSTREAM_PORT/"
  TARGETS+=(direct)
fi

run_nginx() {
  "$NGINX" -e "$RESULTS_DIR/startup-error.log" -p "$RESULTS_DIR" -c "$RESULTS_DIR/nginx-proxy.conf" &
  NGINX_PROXY_PID=$!
  PIDS+=($NGINX_PROXY_PID)
  wait_for_http "$SCHEME://127.0.0.1:$PROXY_PORT/"
  log "nginx: proxy_pass on 127.0.0.1:$PROXY_PORT ($PROTOCOL)"
  run_load nginx "$SCHEME://127.0.0.1:$PROXY_PORT/"
  kill "$NGINX_PROXY_PID" 2>/dev/null || true
  wait "$NGINX_PROXY_PID" 2>/dev/null || true

  TARGETS+=(nginx)
}

run_gateway() {
  if [ "$SKIP_GATEWAY" != "1" ]; then
    [ -f "$BENCH_JAR" ] || die "$BENCH_JAR not found: ./mvnw -B -q package -pl benchmarks -am -DskipTests"
    GATEWAY_PORT="$(free_port)"
    log "gateway: GatewayBenchServer on 127.0.0.1:$GATEWAY_PORT ($PROTOCOL)"
    TLS_ARGS=""
    [ "$PROTOCOL" != "h1" ] && TLS_ARGS="--tls-cert $RESULTS_DIR/tls-cert.pem --tls-key $RESULTS_DIR/tls-key.pem"
    # shellcheck disable=SC2086
    java $GATEWAY_JAVA_OPTS -cp "$BENCH_JAR" dev.layerkit.benchmarks.gateway.GatewayBenchServer \
      --port "$GATEWAY_PORT" --upstream "127.0.0.1:$UPSTREAM_PORT" --api-key "$API_KEY" \
      --max-idle "$UPSTREAM_POOL" $TLS_ARGS $GATEWAY_ARGS \
      > "$RESULTS_DIR/gateway.out" 2> "$RESULTS_DIR/gateway.err" &
    GATEWAY_PID=$!
    PIDS+=($GATEWAY_PID)
    for i in $(seq 1 600); do
      grep -q '^READY' "$RESULTS_DIR/gateway.out" 2>/dev/null && break
      kill -0 "$GATEWAY_PID" 2>/dev/null || die "the gateway exited; see $RESULTS_DIR/gateway.err"
      sleep 0.1
    done
    grep -q '^READY' "$RESULTS_DIR/gateway.out" || die "the gateway did not print READY within 60 s"
    wait_for_http "$SCHEME://127.0.0.1:$GATEWAY_PORT/" "X-API-Key: $API_KEY"
    code="$(curl -s "${CURL_TLS[@]}" -o /dev/null -w '%{http_code}' "$SCHEME://127.0.0.1:$GATEWAY_PORT/")"
    [ "$code" = "401" ] || log "  WARNING: the gateway answered $code, not 401, without the API key"
    run_load gateway "$SCHEME://127.0.0.1:$GATEWAY_PORT/" "X-API-Key: $API_KEY"
    # Stopped, as nginx is after its run: left idle, its JVM's threads would share the CPUs with
    # nginx's run whenever the gateway goes first, and the two would not be measured alike.
    kill "$GATEWAY_PID" 2>/dev/null || true
    wait "$GATEWAY_PID" 2>/dev/null || true
    TARGETS+=(gateway)
  fi

}

if [ "$GATEWAY_FIRST" = "1" ]; then
  run_gateway
  run_nginx
else
  run_nginx
  run_gateway
fi

# --- report -------------------------------------------------------------------------------------
{
  echo
  echo "Machine: $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "Tools: $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | head -1 | awk '{print "wrk " $2}')$( [ "$SKIP_GATEWAY" != "1" ] && echo ", $(java -version 2>&1 | head -1)")"
  echo "Load average (1, 5, 15 min): $LOAD_AT_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end; other processes share these CPUs unless it is near 0"
  if [ "$PROTOCOL" = "h2-tls" ]; then
    echo "Run ($PROTOCOL): h2load -t$THREADS -c$CONNECTIONS -m$MAX_STREAMS -D $DURATION (warm-up $WARMUP each; p50 = mean, p99 = max); upstream: nginx return 200, 100-byte body; proxy nginx workers: $PROXY_WORKERS; upstream pool: $UPSTREAM_POOL idle per worker"
  else
    echo "Run ($PROTOCOL): wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP each); upstream: nginx return 200, 100-byte body; proxy nginx workers: $PROXY_WORKERS; upstream pool: $UPSTREAM_POOL idle per worker"
  fi
  echo
  echo "| target | requests/s | p50 (ms) | p99 (ms) | requests/s vs nginx | p99 vs nginx |"
  echo "|---|---|---|---|---|---|"
  for t in "${TARGETS[@]}"; do
    awk -v t="$t" -v rps="${RPS[$t]}" -v p50="${P50[$t]}" -v p99="${P99[$t]}" \
        -v nrps="${RPS[nginx]}" -v np99="${P99[nginx]}" 'BEGIN {
      printf "| %s | %.0f | %.3f | %.3f | %.2f | %.2f |\n", t, rps, p50, p99, rps / nrps, p99 / np99 }'
  done
} | tee "$RESULTS_DIR/table.md"
