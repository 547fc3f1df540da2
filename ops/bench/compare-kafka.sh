#!/usr/bin/env bash
# Benchmarks Tributary side by side with Apache Kafka on this machine, in one run:
#   ops/bench/compare-kafka.sh [--quick] [--no-three-nodes] [--profile] [--report-only] [--gateway]
# Starts a Kafka broker (KRaft, combined broker and controller, jars from Maven Central through
# ops/bench/kafka-broker/pom.xml) and runs the workloads against it, stops it; then the same against a Tributary
# node; then (unless --no-three-nodes) 3 Kafka brokers against a 3-node Tributary cluster. Everything listens on
# 127.0.0.1 and lives in a temp directory deleted at the end, even on failure.
# Writes ops/bench/results/ (figures as TSV, HdrHistogram logs, PNG charts) and the "Against Kafka" section of
# docs/benchmarks.md. --quick: reduced sizes, the whole run in about 5 minutes. --report-only: no run, rewrite the
# charts and the section from the results already there. --profile: record every JVM of the run (brokers, nodes,
# the workload driver) with JFR into ops/bench/results/**/*.jfr (not committed), to see where the time goes.
# --gateway: instead, Kafka's own clients against a Kafka broker and against Tributary's Kafka gateway
# (tributary server --kafka-port): kafka-producer-perf-test, then the produce and end-to-end workloads with
# kafka-clients; figures in ops/bench/results/gateway/ and printed (the report is not rewritten).
#   JAVA_HOME  the JDK to use (default: java on PATH)
set -euo pipefail

script="$(readlink -f "${BASH_SOURCE[0]}")"
bench="$(dirname "$script")"
root="$(cd "$bench/../.." && pwd)"
results="$bench/results"

quick=""
three_nodes=1
report_only=0
profile=0
gateway=0
for arg in "$@"; do
    case "$arg" in
        --quick) quick="--quick" ;;
        --no-three-nodes) three_nodes=0 ;;
        --report-only) report_only=1 ;;
        --profile) profile=1 ;;
        --gateway) gateway=1 ;;
        -h|--help) sed -n '2,15p' "$script"; exit 0 ;;
        *) echo "compare-kafka: unknown option $arg (try --help)" >&2; exit 2 ;;
    esac
done

java="java"
[[ -n "${JAVA_HOME:-}" ]] && java="$JAVA_HOME/bin/java"
jvm_flags=(--add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED)
# kafka-server-start.sh's defaults: its heap and KAFKA_JVM_PERFORMANCE_OPTS.
kafka_jvm=(-Xmx1G -Xms1G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true)

work="$(mktemp -d "${TMPDIR:-/tmp}/compare-kafka.XXXXXX")"
pids=()

log() { echo "compare-kafka: $*" >&2; }

# jfr NAME: the JVM options that record this JVM into the current results directory, with --profile.
jfr() {
    (( profile )) && echo "-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=$jfr_dir/$1.jfr"
    return 0
}
jfr_dir="$results"

stop_all() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        # SIGTERM lets both systems shut down cleanly; give them 30 s, then SIGKILL.
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}

cleanup() {
    stop_all
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# mvn offline first (no network after the first run), online if something is missing.
mvn_build() {
    mvn -B -ntp -q -Dstyle.color=never -o "$@" || mvn -B -ntp -q -Dstyle.color=never "$@"
}

# --- build ------------------------------------------------------------------------------------------------------
tributary_jar="$root/ops/target/tributary.jar"
classpath_file="$root/benchmarks/target/compare-kafka.classpath"
stale() {
    [[ ! -f "$tributary_jar" || ! -f "$classpath_file" ]] && return 0
    [[ -n "$(find "$root" -path "$root/.git" -prune -o -path '*/target' -prune -o \
        \( -name pom.xml -o -path '*/src/main/*' \) -type f -newer "$classpath_file" -print -quit)" ]]
}
if stale; then
    log "building ops and benchmarks (mvn package, no tests) ..."
    (cd "$root" && mvn_build package -DskipTests -pl ops,benchmarks -am \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
        -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=runtime) >&2
fi
bench_cp="$root/benchmarks/target/classes:$(cat "$classpath_file")"

log "resolving the Kafka broker's jars (ops/bench/kafka-broker/pom.xml) ..."
(cd "$bench/kafka-broker" && mvn_build org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.outputFile="$work/kafka-classpath.txt") >&2
kafka_cp="$(cat "$work/kafka-classpath.txt")"
kafka_version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$bench/kafka-broker/pom.xml")"

# --- ports ------------------------------------------------------------------------------------------------------
# A base port with COUNT free ports (TCP and UDP) above it, picked at random in 20000-59999.
free_base_port() {
    local count="$1" base p used
    for _ in $(seq 1 100); do
        base=$(( 20000 + (RANDOM % 4000) * 10 ))
        used=0
        for (( p = base; p < base + count; p++ )); do
            if [[ -n "$(ss -Hlntu "( sport = :$p )" 2>/dev/null)" ]]; then used=1; break; fi
        done
        if (( used == 0 )); then echo "$base"; return; fi
    done
    log "no free ports found"; exit 1
}

# --- Kafka ------------------------------------------------------------------------------------------------------
# start_kafka N: N brokers, each also a KRaft controller, on loopback; sets kafka_bootstrap.
start_kafka() {
    local n="$1" base voters="" bootstrap="" i dir
    base=$(free_base_port $(( 2 * n )))
    for (( i = 1; i <= n; i++ )); do
        voters+="${voters:+,}$i@127.0.0.1:$(( base + 2 * i - 1 ))"
        bootstrap+="${bootstrap:+,}127.0.0.1:$(( base + 2 * i - 2 ))"
    done
    local cluster_id
    cluster_id="$("$java" -cp "$kafka_cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    for (( i = 1; i <= n; i++ )); do
        dir="$work/kafka-$n-$i"
        mkdir -p "$dir"
        cat > "$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$(( base + 2 * i - 2 )),CONTROLLER://127.0.0.1:$(( base + 2 * i - 1 ))
advertised.listeners=PLAINTEXT://127.0.0.1:$(( base + 2 * i - 2 ))
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
offsets.topic.replication.factor=$n
transaction.state.log.replication.factor=$n
transaction.state.log.min.isr=$(( n >= 3 ? 2 : 1 ))
min.insync.replicas=$(( n >= 3 ? 2 : 1 ))
EOF
        cat > "$dir/log4j2.properties" <<EOF
rootLogger.level=WARN
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$dir/server.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
EOF
        "$java" -cp "$kafka_cp" "-Dlog4j2.configurationFile=$dir/log4j2.properties" kafka.tools.StorageTool format \
            -t "$cluster_id" -c "$dir/server.properties" >"$dir/format.out" 2>&1
    done
    for (( i = 1; i <= n; i++ )); do
        dir="$work/kafka-$n-$i"
        # shellcheck disable=SC2046 # jfr prints zero or one option
        "$java" "${kafka_jvm[@]}" $(jfr "kafka-broker-$i") -cp "$kafka_cp" "-Dlog4j2.configurationFile=$dir/log4j2.properties" \
            kafka.Kafka "$dir/server.properties" >"$dir/stdout" 2>&1 &
        pids+=($!)
    done
    kafka_bootstrap="$bootstrap"
    log "Kafka $kafka_version: $n broker(s) at $bootstrap"
}

# --- Tributary --------------------------------------------------------------------------------------------------
# start_tributary N: N nodes on loopback; sets tributary_cluster. tributary_extra: more server options.
tributary_extra=()
start_tributary() {
    local n="$1" base members="" i dir
    base=$(free_base_port $(( 100 * (n - 1) + 20 )))
    for (( i = 0; i < n; i++ )); do
        members+="${members:+,}$i=127.0.0.1:$(( base + 100 * i ))"
    done
    for (( i = 0; i < n; i++ )); do
        dir="$work/tributary-$n-$i"
        mkdir -p "$dir"
        # shellcheck disable=SC2046
        # Authentication off, as on the Kafka brokers' PLAINTEXT listeners (a multi-node server turns it on by
        # default); its cost is measured on its own by ops/bench/auth-cost.sh.
        "$java" "${jvm_flags[@]}" $(jfr "tributary-node-$i") -jar "$tributary_jar" server --node-id "$i" --members "$members" \
            --data-dir "$dir/data" --no-auth "${tributary_extra[@]}" >"$dir/stdout" 2>&1 &
        pids+=($!)
    done
    tributary_cluster="$members"
    log "Tributary: $n node(s) at $members"
}

driver() {
    local record=()
    [[ "$1" == run ]] && read -ra record <<< "$(jfr driver)"
    "$java" "${jvm_flags[@]}" -Xmx4g "${record[@]}" -cp "$bench_cp" io.tributary.bench.CompareKafka "$@"
}

# run_both N RESULTS [WORKLOADS]
run_both() {
    local n="$1" out="$2" workloads="${3:-produce,e2e,catch-up,fan-out,pipelines}"
    rm -rf "$out/kafka" "$out/tributary"
    mkdir -p "$out/kafka" "$out/tributary"
    jfr_dir="$out/kafka"
    start_kafka "$n"
    driver run --system kafka --address "$kafka_bootstrap" --nodes "$n" --results "$out/kafka" \
        --workloads "$workloads" $quick
    stop_all
    jfr_dir="$out/tributary"
    start_tributary "$n"
    driver run --system tributary --address "$tributary_cluster" --nodes "$n" --results "$out/tributary" \
        --workloads "$workloads" $quick
    stop_all
}

# perf_test OUT BOOTSTRAP: kafka-producer-perf-test's summary line into OUT.
perf_test() {
    local records=5000000
    [[ -n "$quick" ]] && records=1000000
    local topic="perf-$RANDOM"
    # Created first: the gateway does not create topics on first use, as a broker's auto.create.topics.enable does.
    "$java" -Xmx256m -cp "$kafka_cp" org.apache.kafka.tools.TopicCommand --bootstrap-server "$2" --create \
        --topic "$topic" --partitions 1 >/dev/null 2>&1
    "$java" -Xmx1g -cp "$kafka_cp" org.apache.kafka.tools.ProducerPerformance --topic "$topic" \
        --num-records "$records" --record-size 100 --throughput -1 \
        --producer-props "bootstrap.servers=$2" acks=all enable.idempotence=true linger.ms=5 batch.size=65536 \
        2>/dev/null | tail -1 > "$1"
}

# Kafka's clients against a Kafka broker, then against Tributary's Kafka gateway on one node.
run_gateway() {
    local out="$results/gateway" port
    rm -rf "$out"
    mkdir -p "$out/kafka" "$out/gateway"
    jfr_dir="$out/kafka"
    start_kafka 1
    sleep 5
    perf_test "$out/kafka/perf-test.txt" "$kafka_bootstrap"
    driver run --system kafka --address "$kafka_bootstrap" --nodes 1 --results "$out/kafka" --workloads produce,e2e \
        $quick
    stop_all
    jfr_dir="$out/gateway"
    port=$(free_base_port 1)
    tributary_extra=(--kafka-port "$port")
    start_tributary 1
    tributary_extra=()
    sleep 5
    perf_test "$out/gateway/perf-test.txt" "127.0.0.1:$port"
    driver run --system kafka --address "127.0.0.1:$port" --nodes 1 --results "$out/gateway" \
        --workloads produce,e2e $quick
    stop_all
    for system in kafka gateway; do
        echo "== kafka-clients against $system: kafka-producer-perf-test, 100 B records, acks=all, idempotent"
        cat "$out/$system/perf-test.txt"
        grep -v '^workload' "$out/$system/results.tsv"
    done
}

mkdir -p "$results"
started=$(date +%s)
if (( gateway )); then
    run_gateway
    log "done in $(( $(date +%s) - started )) s: $results/gateway"
    exit 0
fi
if (( report_only )); then
    grep -q -- '--quick' "$results/settings.md" 2>/dev/null && quick="--quick"
else
    rm -f "$results"/*.png
    run_both 1 "$results"
    if (( three_nodes )); then
        run_both 3 "$results/3-nodes" "produce,e2e"
    else
        rm -rf "$results/3-nodes"
    fi
    cat > "$results/settings.md" <<EOF
Command: \`ops/bench/compare-kafka.sh${quick:+ $quick}$( (( three_nodes )) || echo " --no-three-nodes")\` ($(( $(date +%s) - started )) s for both systems, build excluded).

- **Kafka $kafka_version**, KRaft, each broker also a controller, started as \`java ${kafka_jvm[*]} kafka.Kafka server.properties\` (the heap and JVM options of \`kafka-server-start.sh\`). Broker settings are the defaults (flushing left to the page cache, as Kafka recommends) apart from listeners and \`log.dirs\`, and the replication of internal topics set to the broker count, with \`min.insync.replicas=2\` on three brokers. Producers \`acks=all\` with idempotence; consumers assigned every partition (no group), otherwise defaults. Pipelines are Kafka Streams applications with \`processing.guarantee=exactly_once_v2\` (commits every 100 ms) and the default RocksDB stores.
- **Tributary** started as \`java -jar ops/target/tributary.jar server --node-id N --members ... --no-auth\` with its defaults otherwise (JVM defaults, as \`ops/bin/tributary server\`; Aeron agents idle with back-off); authentication off, as on Kafka's PLAINTEXT listeners (its cost: "Security" below). Producers are acknowledged after the cluster committed the record. Pipelines run with \`PipelineRunner\` defaults: exactly-once checkpoints every 100 ms, in-memory state with a changelog.
- Both: the same batching per workload (produce, catch-up preload, fan-out and pipeline preload: batch 64 KiB, linger 5 ms; latency: linger 0), the workload client in its own JVM (\`-Xmx4g\`).
EOF
fi

log "writing the report ..."
driver report --results "$results" --doc "$root/docs/benchmarks.md" --settings "$results/settings.md" $quick
log "done in $(( $(date +%s) - started )) s: docs/benchmarks.md, $results"
