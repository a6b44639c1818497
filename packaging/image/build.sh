#!/usr/bin/env bash
# Builds the meshfed container image as a tarball, packaging/target/meshfed-image.tar, without a
# container daemon and without pulling a base image (ImageBuild.java says what each layer holds).
#
#   packaging/image/build.sh              # builds the runnable jar and the builder first (Maven)
#   packaging/image/build.sh --no-build   # uses cli/target/meshfed.jar and the builder as they are
#
# Needs a JDK 17 with jlink (the JRE in the image is made from it) and ldd (glibc libraries are
# copied from this host). Load it elsewhere with `docker load -i` or `podman load -i`:
# docs/deploying.md, "The container image".
set -euo pipefail

MESHFED_SCRIPT=image
here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
# shellcheck source=bin/lib/common.sh
source "$here/../../bin/lib/common.sh"

build=true
case "${1:-}" in
  --no-build) build=false ;;
  "") ;;
  *) meshfed_log "usage: packaging/image/build.sh [--no-build]"; exit 2 ;;
esac

jar="$MESHFED_ROOT/cli/target/meshfed.jar"
builder="$MESHFED_ROOT/packaging/target/meshfed-image-builder.jar"
if $build; then
  meshfed_log "building the runnable jar and the image builder (mvn -pl cli,packaging -am package)..."
  # (jansi.noreset: no stray ANSI resets from Maven 3.8 on the terminal)
  (cd "$MESHFED_ROOT" && MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }-Djansi.noreset=true" mvn -q -B -DskipTests -pl cli,packaging -am package)
fi
for f in "$jar" "$builder"; do
  [[ -f "$f" ]] || { meshfed_log "$f is missing: run without --no-build, or mvn -pl cli,packaging -am package"; exit 1; }
done

java_bin=java
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  java_bin="$JAVA_HOME/bin/java"
fi
version="$(sed -n 's|^  <version>\(.*\)</version>|\1|p' "$MESHFED_ROOT/pom.xml" | head -n 1)"
revision="$(git -C "$MESHFED_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
source_url="$(git -C "$MESHFED_ROOT" config --get remote.origin.url 2>/dev/null || true)"

exec "$java_bin" -jar "$builder" --jar "$jar" --config-dir "$here/etc" \
  --out "$MESHFED_ROOT/packaging/target/meshfed-image.tar" --work "$MESHFED_ROOT/packaging/target/image-work" \
  --version "${version:-unknown}" --revision "$revision" --source "${source_url:-unknown}"
