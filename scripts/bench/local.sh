#!/usr/bin/env bash
# Benchmark: `runeval --local` against the plain-shell pipeline that does
# the same job on the same task app (start it, poll /health with curl every
# 0.1 s, 20 rollouts with curl, kill it), in one run.  The shell pipeline
# runs twice: as the issue describes it, one curl after another, and with
# the rollouts at runeval's concurrency (xargs -P K), so the second ratio
# shows what is left once both sides run rollouts in parallel.
#
# Figures (targets from the local-mode issue):
#   wall-time ratio runeval/shell for 20 seeds           target <= 0.5
#   readiness detection lag, p50 (listen() -> 200)       target <= 2 ms
#   runeval's overhead beyond the task app's rollout time target <= 15 ms
#     (rollouts phase minus the app's own latency_ms per rollout, scheduled
#     on the same K lanes; the end-to-end figure is printed too)
#   runeval's CPU time: the whole process (/usr/bin/time: start, the job,
#     writing result.json and the reports, exit) and, apart, the job alone
#     (result.json's job.cpu_ms, taken before the outputs are written)
#   runeval's peak RSS at 1000 seeds (whole process, /usr/bin/time)
#                                                        target <= 10 MB
#     next to the floor: scripts/bench/curl_floor.c links only libcurl,
#     jansson and libm and makes one request; the difference is runeval's
#     own memory.
#
# Task apps: a C app that does no work (scripts/bench/null_app.c), the
# Python test app, and build/taskapp when it serves.  listen() and process
# start are timed inside the task app by an
# LD_PRELOAD shim (scripts/bench/listen_shim.c), so the lag is measured
# from the moment the app could accept a connection.
#
# Environment: BUILD (default build), RUNS (default 7), SEEDS (default 20),
# CONCURRENCY (default 8), APP=pyapp to force the Python app, TASKAPP=path
# of another taskapp binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/common.bash
BUILD=${BUILD:-build}
RUNS=${RUNS:-7}
SEEDS=${SEEDS:-20}
K=${CONCURRENCY:-8}
RUNEVAL=$PWD/$BUILD/runeval
work=$(mktemp -d /tmp/runeval-bench-local-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$BUILD/bench"
samples=$PWD/$BUILD/bench/local-spans.jsonl
: >"$samples"

shim=$work/listen_shim.so
cc -O2 -shared -fPIC -o "$shim" scripts/bench/listen_shim.c -ldl
mkdir -p "$work/nullapp"
cc -O2 -o "$work/nullapp/null_app" scripts/bench/null_app.c
cc -O2 -o "$work/curl_floor" scripts/bench/curl_floor.c -lcurl -ljansson -lm \
	-lpthread

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
now_us() { echo $(($(date +%s%N) / 1000)); }

# --- the task apps ---------------------------------------------------------
# null (C, scripts/bench/null_app.c) answers at once, so its rollouts phase
# is runeval's own overhead; the Python app answers in about a
# millisecond; the reference taskapp compiles and tests C per rollout, so
# its job is mostly the app's own work.
apps=("null|$work/nullapp|exec ./null_app"
	"pyapp|$PWD/tests/apps/pyapp|exec python3 app.py")
taskapp=${TASKAPP:-$PWD/$BUILD/taskapp}
if [[ ${APP:-} != pyapp && -x $taskapp ]]; then
	port=$(free_port)
	ENVIRONMENT_API_KEY=probe-key-123456 "$taskapp" --host 127.0.0.1 \
		--port "$port" >"$work/probe.log" 2>&1 &
	probe=$!
	for _ in $(seq 50); do
		if curl -fs -o /dev/null -H 'X-API-Key: probe-key-123456' \
			"http://127.0.0.1:$port/health"; then
			apps+=("taskapp|$(dirname "$taskapp")|exec ./$(basename "$taskapp") --host 127.0.0.1 --port \"\$PORT\"")
			break
		fi
		sleep 0.1
	done
	kill "$probe" 2>/dev/null || true
	wait "$probe" 2>/dev/null || true
fi

echo "machine: $(uname -srm), $(nproc) CPUs," \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
	"$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)," \
	"load $(cut -d' ' -f1 /proc/loadavg)"

# --- one job each way ------------------------------------------------------
shell_job() {	# $1 = run dir, $2 = rollouts in flight
	local dir=$1 par=$2 port key pid
	port=$(free_port)
	key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	(cd "$app_dir" && PORT=$port ENVIRONMENT_API_KEY=$key \
		RV_LISTEN_LOG=$dir.listen LD_PRELOAD=$shim \
		exec sh -c "$app_cmd") >"$dir.log" 2>&1 &
	pid=$!
	until curl -fs -o /dev/null -H "X-API-Key: $key" \
		"http://127.0.0.1:$port/health"; do
		sleep 0.1
	done
	seq 0 $((SEEDS - 1)) | xargs -P "$par" -I{} curl -s -o /dev/null \
		-H "X-API-Key: $key" -H 'Content-Type: application/json' \
		-d '{"trace_correlation_id":"sh-{}","env":{"seed":{}},"policy":{"config":{"policy":"reference"}}}' \
		"http://127.0.0.1:$port/rollout"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
}

# Every runeval run is timed whole by /usr/bin/time into $1.time: peak RSS
# (KB), user and system CPU seconds of the process, which include its
# start, its exit and writing result.json and the reports; result.json's
# job.cpu_ms is taken before the outputs are written.
runeval_job() {	# $1 = run dir, $2 = seeds
	/usr/bin/time -f '%M %U %S' -o "$1.time" "$RUNEVAL" --local --seeds "$2" --concurrency "$K" --app "$app_dir" \
		--start "RV_LISTEN_LOG=$1.listen LD_PRELOAD=$shim $app_cmd" \
		--out "$1" -q --no-progress --env-file /dev/null
}

for spec in "${apps[@]}"; do
	IFS='|' read -r name app_dir app_cmd <<<"$spec"
	mkdir -p "$work/$name"
	echo "task app $name: $SEEDS seeds, concurrency $K, $RUNS runs each way"
	for i in $(seq "$RUNS"); do
		t0=$(now_us); shell_job "$work/$name/s$i" 1; t1=$(now_us)
		echo "shell $((t1 - t0))" >>"$work/$name/walls"
		t0=$(now_us); shell_job "$work/$name/p$i" "$K"; t1=$(now_us)
		echo "shell_k $((t1 - t0))" >>"$work/$name/walls"
		t0=$(now_us); runeval_job "$work/$name/r$i" "$SEEDS"; t1=$(now_us)
		echo "runeval $((t1 - t0))" >>"$work/$name/walls"
	done
	# peak RSS: at 1000 seeds on the null app (1000 compiles would take
	# minutes and measure the app, not runeval)
	if [[ $name == null ]]; then
		runeval_job "$work/big" 1000
		runeval_job "$work/one" 1
	fi
done
help_kb=$(/usr/bin/time -f %M "$RUNEVAL" --help 2>&1 >/dev/null | tail -1)
# the floor: libcurl + jansson + libm and one request to a live null app
port=$(free_port)
(cd "$work/nullapp" && PORT=$port ENVIRONMENT_API_KEY=floor exec ./null_app) &
floor_app=$!
until curl -s -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.05; done
bench_floor_kb "$work/curl_floor" "http://127.0.0.1:$port/health" "$work" \
	>"$work/floor.kb" || true
kill "$floor_app"; wait "$floor_app" 2>/dev/null || true

# --- figures ---------------------------------------------------------------
python3 scripts/bench/local_figures.py "$work" "$RUNS" "$samples" "$help_kb" \
	"${apps[@]%%|*}"
echo "samples: $samples"
if "$RUNEVAL" report --help >/dev/null 2>&1; then
	"$RUNEVAL" report "$samples" || true
fi
