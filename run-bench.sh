#!/usr/bin/env bash
# Builds queue-bench and runs shmq beside its peers (Agrona, Aeron IPC, Chronicle Queue, Unix domain and TCP
# sockets, the cache-line floor and the memcpy ceiling), each side in its own JVM.
#   ./run-bench.sh --quick          about a minute, one round, smoke check
#   ./run-bench.sh                  about 11 minutes, five interleaved rounds
#   ./run-bench.sh --sweep          about 15 minutes: throughput over message sizes 32 B-64 KiB, rings of
#                                   64 KiB-64 MiB, two receivers, pinned and not, with a plot per configuration
#   ./run-bench.sh --sweep --quick  about a minute: five sizes, 1 MiB ring, pinned
#   ./run-bench.sh --netty          about 4 minutes: Netty echo over shmq, an epoll Unix socket and NIO TCP
#                                   (64 B and 4 KiB: round trips, wake-ups from sleep, 64 in flight, CPU per
#                                   message; a bare futex wake-up as the floor); --quick: one round
#   ./run-bench.sh --grpc           about 5 minutes: gRPC over shmq, an epoll Unix socket and epoll TCP (32 B unary
#                                   echo, blocking and async; a server stream; CPU per call; the in-process floor)
#                                   --netty and --grpc take --pinned: client JVM on CPU 0, each server on CPU 1
#   ./run-bench.sh --bridge         about 11 minutes: a queue bridged over Aeron UDP beside raw Aeron UDP between
#                                   the same two JVMs (throughput of 32 B and 1 KiB, round trips of 32 B-16 KiB);
#                                   --quick: one round; --pinned: host A's JVM on CPU 0, host B's on CPU 1
# Other options: --rounds N, --systems SHMQ_SPSC,AERON_IPC,..., --scenarios rtt-32,spsc,... (name prefixes),
# --ring-capacity BYTES (rings of the classic runs; default 8 MiB), --results DIR (default results/<mode>-<time>).
# Experiments (JVM properties of the runner, passed on to every child): BENCH_JAVA_OPTS="-Dshmq.bench.alignment=8"
# (shmq record alignment), "-Dshmq.bench.deferRelease=false" (shmq receivers release at the end of each read),
# "-Dshmq.bench.receiver=SEQ" or SUM (what the classic runs' receivers read; default SAMPLE, see ReceiverKind).
# Exit status: 0 all runs measured; 2 a peer's run failed; 3 a shmq run failed (see 'Failed runs' in the report).
# As root it reserves the 2 MiB huge pages the huge-page runs need and gives them back.
set -euo pipefail
cd "$(dirname "$0")"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! ./mvnw -B -Dstyle.color=never -pl queue-bench -am package \
    -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true >"$log" 2>&1; then
    cat "$log"
    echo "build failed" >&2
    exit 1
fi
if [ "${1:-}" = "--netty" ] || [ "${1:-}" = "--grpc" ] || [ "${1:-}" = "--bridge" ]; then
    report=io.shmq.bench.NettyEchoReport
    [ "$1" = "--grpc" ] && report=io.shmq.bench.GrpcReport
    [ "$1" = "--bridge" ] && report=io.shmq.bench.BridgeReport
    shift
    exec java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
        ${BENCH_JAVA_OPTS:-} -cp queue-bench/target/benchmarks.jar "$report" "$@"
fi
java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED ${BENCH_JAVA_OPTS:-} \
    -cp queue-bench/target/benchmarks.jar io.shmq.bench.harness.BenchmarkRunner "$@"
