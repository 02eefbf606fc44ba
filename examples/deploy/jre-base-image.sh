#!/usr/bin/env bash
# Builds a Java 17 base image for examples/deploy/Dockerfile without a registry: a jlink'd runtime
# of a local JDK (which needs its jmods, as Debian's openjdk-17-jdk-headless has) plus the shared
# libraries it links, imported into podman as an image with java on the PATH, as
# eclipse-temurin:17-jre has it (/opt/java/openjdk). DeploymentLaunchIT runs it; by hand:
#
#   examples/deploy/jre-base-image.sh localhost/layerkit-jre-base:17
#   podman build --build-arg BASE_IMAGE=localhost/layerkit-jre-base:17 \
#       -f examples/deploy/Dockerfile -t layerkit/order-system:0.1.0 examples
#
# Usage: jre-base-image.sh TAG [JAVA_HOME]. Needs podman, and CONTAINERS_CONF as DESIGN.md's
# "Containers" paragraph says where podman's defaults do not run here.
set -euo pipefail
tag=${1:?usage: jre-base-image.sh TAG [JAVA_HOME]}
java_home=${2:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}}
[ -x "$java_home/bin/jlink" ] || { echo "no jlink in $java_home: give a JDK's home" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
# What the order system uses: java.se, Netty's and Kafka's jdk.unsupported, the admin server's
# jdk.httpserver, EC and PKCS#11 crypto for TLS, JMX and JFR for the metrics' JVM binders.
"$java_home/bin/jlink" --add-modules java.se,jdk.unsupported,jdk.httpserver,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.management,jdk.management.agent,jdk.jfr,jdk.naming.dns,jdk.net,jdk.zipfs,jdk.security.auth,jdk.localedata \
  --strip-debug --no-header-files --no-man-pages --output "$root/opt/java/openjdk"
# The libraries the runtime links, and the dynamic loader, at the paths the host has them.
find "$root/opt/java/openjdk" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 \
  | xargs -0 ldd 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u \
  | while read -r lib; do
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
mkdir -p "$root/tmp" "$root/etc"
chmod 1777 "$root/tmp"
# Host names from /etc/hosts first, every address of a name (a headless Service's pods), then DNS.
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
printf 'multi on\n' > "$root/etc/host.conf"
printf 'root:x:0:0:root:/root:/sbin/nologin\napp:x:10001:10001:app:/app:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\napp:x:10001:\n' > "$root/etc/group"
tar -C "$root" -cf - . | podman import \
  --change 'ENV=PATH=/opt/java/openjdk/bin:/usr/bin:/bin' --change 'ENV=JAVA_HOME=/opt/java/openjdk' \
  --message "Java $("$java_home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.version = //p') runtime from $java_home" \
  - "$tag" >/dev/null
echo "$tag"
