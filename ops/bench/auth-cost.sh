#!/usr/bin/env bash
# What authentication and access checks cost: the same produce and end-to-end workloads against two single-node
# servers on this machine, one without security and one with it (--auth; the client is a plain user holding a
# prefix ACL, not a super user, so every batch, fetch and commit is checked), alternating, in one run.
#   ops/bench/auth-cost.sh [--rounds N] [--records N]
# Prints each run's figures and the medians per mode. Everything listens on 127.0.0.1 and lives in a temp directory
# deleted at the end, even on failure. Builds ops/target/tributary.jar when it is missing.
#   JAVA_HOME  the JDK to use (default: java on PATH)
set -euo pipefail

script="$(readlink -f "${BASH_SOURCE[0]}")"
root="$(cd "$(dirname "$script")/../.." && pwd)"
rounds=5
records=3000000
while (( $# )); do
    case "$1" in
        --rounds) rounds="$2"; shift ;;
        --records) records="$2"; shift ;;
        -h|--help) sed -n '2,8p' "$script"; exit 0 ;;
        *) echo "auth-cost: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

java="java"
[[ -n "${JAVA_HOME:-}" ]] && java="$JAVA_HOME/bin/java"
jar="$root/ops/target/tributary.jar"
[[ -f "$jar" ]] || (cd "$root" && mvn -B -ntp -q -DskipTests package -pl ops -am)
jvm=(--add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED)

work="$(mktemp -d "${TMPDIR:-/tmp}/auth-cost.XXXXXX")"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    # A base port whose node ports (+0..+9) are all free.
    local port
    while :; do
        port=$(( 20000 + RANDOM % 20000 ))
        if ! ss -lntuH | awk '{print $5}' | grep -Eq ":($port|$((port+1))|$((port+2))|$((port+3))|$((port+4))|$((port+5))|$((port+6)))\$"; then
            echo "$port"; return
        fi
    done
}

tributary() { "$java" "${jvm[@]}" -jar "$jar" "$@"; }

umask 077
printf 'username=admin\npassword=%s\n' "$(head -c 24 /dev/urandom | base64)" > "$work/admin.credentials"
printf 'username=bench\npassword=%s\n' "$(head -c 24 /dev/urandom | base64)" > "$work/bench.credentials"
sed -n 's/^password=//p' "$work/bench.credentials" > "$work/bench.password"

off_port=$(free_port)
"$java" "${jvm[@]}" -jar "$jar" server --node-id 0 --members "0=127.0.0.1:$off_port" --data-dir "$work/off" \
    --worker-slots 0 > "$work/off.log" 2>&1 &
pids+=($!)
on_port=$(free_port)
"$java" "${jvm[@]}" -jar "$jar" server --node-id 0 --members "0=127.0.0.1:$on_port" --data-dir "$work/on" \
    --worker-slots 0 --auth --admin-credentials-file "$work/admin.credentials" > "$work/on.log" 2>&1 &
pids+=($!)
for log in off on; do
    for _ in $(seq 600); do grep -q 'is up' "$work/$log.log" && break; sleep 0.1; done
    grep -q 'is up' "$work/$log.log" || { echo "auth-cost: the $log server did not start:" >&2; cat "$work/$log.log" >&2; exit 1; }
done
admin=(--cluster "0=127.0.0.1:$on_port" --credentials-file "$work/admin.credentials")
tributary user add bench --password-file "$work/bench.password" "${admin[@]}" > /dev/null
tributary acl add --principal bench --topic-prefix bench --operation read,write,create,delete "${admin[@]}" > /dev/null
tributary acl add --principal bench --group-prefix bench --operation read "${admin[@]}" > /dev/null

declare -A produce e2e
for round in $(seq "$rounds"); do
    for mode in off on; do
        if [[ $mode == on ]]; then
            client=(--cluster "0=127.0.0.1:$on_port" --credentials-file "$work/bench.credentials")
        else
            client=(--cluster "0=127.0.0.1:$off_port")
        fi
        out=$(tributary bench produce "${client[@]}" --records "$records" --record-size 100 --partitions 4 \
            --topic "bench-p-$round")
        rate=$(grep -oE '[0-9]+ records/s' <<< "$out" | head -1 | cut -d' ' -f1)
        out2=$(tributary bench e2e "${client[@]}" --rate 10000 --seconds 10)
        p99=$(grep 'end-to-end latency ms' <<< "$out2" | grep -oE 'p99=[0-9.]+' | cut -d= -f2)
        produce[$mode]+="$rate "
        e2e[$mode]+="$p99 "
        echo "round $round, security $mode: produce $rate records/s, e2e p99 at 10k/s $p99 ms"
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $("$java" -version 2>&1 | head -1)"
for mode in off on; do
    echo "security $mode: produce median $(median <<< "${produce[$mode]}") records/s ($records x 100 B, 4 partitions); e2e p99 median $(median <<< "${e2e[$mode]}") ms (10,000 records/s)"
done
