#!/usr/bin/env bash
# Builds what the demos need (no tests) and runs one:
#   ./run-demo.sh [requests]          the sidecar demo: a service and its sidecar (two JVMs) exchanging
#                                     requests and responses over a shmq channel, then over a Unix domain
#                                     socket; prints both side by side; exit 0 only if every response matched
#   ./run-demo.sh remote [requests]   the same with the sidecar "remote": each JVM a host of its own, the channel
#                                     carried between them by a channel bridge on each side over Aeron UDP
#                                     (loopback), beside a TCP socket
#   ./run-demo.sh queue [options]     the one-way queue demo (TwoProcessDemo: --messages N, --size BYTES, --latency-messages N)
#   ./run-demo.sh grpc [options]      gRPC over shmq beside gRPC over a Unix socket and TCP (GrpcQuoteDemo:
#                                     --calls N, --ticks N, --rounds N); exit 0 only if every reply matched
set -euo pipefail
cd "$(dirname "$0")"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! ./mvnw -B -Dstyle.color=never -pl examples -am package \
    -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true >"$log" 2>&1; then
    cat "$log"
    echo "build failed" >&2
    exit 1
fi
main=io.shmq.examples.sidecar.SidecarDemo
if [ "${1:-}" = "queue" ]; then
    shift
    main=io.shmq.examples.TwoProcessDemo
elif [ "${1:-}" = "grpc" ]; then
    shift
    main=io.shmq.examples.grpc.GrpcQuoteDemo
fi
java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
    -cp "examples/target/classes:examples/target/lib/*" "$main" "$@"
