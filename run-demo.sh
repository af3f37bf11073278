#!/usr/bin/env bash
# Builds what the demo needs (no tests) and runs two JVMs exchanging messages through a shmq queue.
set -euo pipefail
cd "$(dirname "$0")"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! mvn -B -Dstyle.color=never -pl examples -am package -DskipTests >"$log" 2>&1; then
    cat "$log"
    echo "build failed" >&2
    exit 1
fi
java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
    -cp "examples/target/classes:examples/target/lib/*" io.shmq.examples.TwoProcessDemo "$@"
