# shellcheck shell=bash
# What the benchmarks share: sourced, not run (run-all.sh runs *.sh only),
# from the top of the tree.  The provider benchmarks (daytona.sh, e2b.sh)
# call bench_init first; scale.sh and local.sh use median and
# bench_floor_kb only.

# bench_init NAME PROG: the settings (BUILD, made absolute; RUNS 10,
# SEEDS 200, M 8, UNCONTENDED 24, OUT $BUILD/bench/NAME, SDK tests/sdk,
# LITE $BUILD/PROG), the programs checked (runeval, PROG, the bundle),
# and $tmp, removed at exit with the servers bench_start_lite started.
bench_init() {
	local name=$1 prog=$2
	BUILD=${BUILD:-build}
	[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
	RUNS=${RUNS:-10}
	SEEDS=${SEEDS:-200}
	M=${M:-8}
	UNCONTENDED=${UNCONTENDED:-24}
	OUT=${OUT:-$BUILD/bench/$name}
	SDK=${SDK:-$PWD/tests/sdk}
	LITE=$BUILD/$prog
	[[ -x $BUILD/runeval && -x $BUILD/$prog && -x $BUILD/taskapp-bundle/start.sh ]] || {
		echo "$name.sh: build first: make all bundle" >&2
		exit 1
	}
	mkdir -p "$OUT"
	tmp=$(mktemp -d "/tmp/runeval-bench-$name-XXXXXX")
	trap bench_cleanup EXIT
}

bench_cleanup() {
	bench_stop_lite
	rm -rf "$tmp"
}

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {if (!NR) exit; if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# bench_floor_kb CURL_FLOOR URL DIR: the RSS floor the benchmarks give
# runeval's peak over, in kB: CURL_FLOOR (scripts/bench/curl_floor.c)
# making one request to URL.  The median of 5 runs (their files in DIR):
# it differs by a few hundred kB from one run to the next (which pages of
# the libraries the loader and the request touch).  Fails when a run did,
# after printing the median all the same.
bench_floor_kb() {
	local i rc=0
	for i in 1 2 3 4 5; do
		/usr/bin/time -f %M -o "$3/floor.$i" "$1" "$2" >/dev/null || rc=1
	done
	for i in 1 2 3 4 5; do tail -1 "$3/floor.$i"; done | median
	return $rc
}

bench_machine() {
	echo "machine: $(uname -srm), $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_start_lite STATE KEY LOG [server flags...]: start $LITE on a free
# loopback port with its state in STATE (lite_start.bash); sets
# lite_started_pid and lite_started_url.  bench_stop_lite (the EXIT trap)
# stops every server started so.
# shellcheck source=lite_start.bash
. scripts/bench/lite_start.bash
lite_pids=()
bench_start_lite() {
	lite_start "$@"
	lite_pids+=("$lite_started_pid")
	echo "$(basename "$LITE"): $lite_started_url"
}

bench_stop_lite() {
	local pid
	for pid in "${lite_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	lite_pids=()
}

# bench_sdk_ready DIR PACKAGE: is the SDK installed in DIR (installed
# from its package-lock.json when npm is there)?
bench_sdk_ready() {
	local dir=$1 pkg=$2
	[[ -d $dir/node_modules/$pkg ]] && return 0
	command -v npm >/dev/null && [[ -f $dir/package.json ]] || return 1
	npm ci --prefix "$dir" --no-audit --no-fund --silent >&2 && [[ -d $dir/node_modules/$pkg ]]
}

# bench_payload: $tmp/payload.tar.gz (one small file) and its sha256 in
# $payload_sha, what an SDK's lifecycle uploads (as runeval's does).
bench_payload() {
	mkdir -p "$tmp/payload"
	echo "hello from runeval" >"$tmp/payload/hello.txt"
	tar czf "$tmp/payload.tar.gz" -C "$tmp/payload" .
	payload_sha=$(sha256sum "$tmp/payload.tar.gz" | cut -c1-64)
}

# bench_timed WHO FILE CMD...: run CMD with stdout to $tmp/WHO.out; when
# it succeeds append its wall time (ms) to FILE, its spans (their
# provider renamed WHO) and a "lifecycle" span of WHO to
# $OUT/client.jsonl.  A run that fails is no sample: it says so and
# returns 1.
bench_timed() {
	local who=$1 file=$2 t0 t1 ms
	shift 2
	t0=$(now_ns)
	if ! "$@" >"$tmp/$who.out"; then
		echo "(a $who run failed: not a sample)" >&2
		return 1
	fi
	t1=$(now_ns)
	ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b-a)/1e6}')
	echo "$ms" >>"$file"
	sed "s/\"provider\":\"[^\"]*\"/\"provider\":\"$who\"/" \
		"$tmp/$who.out" >>"$OUT/client.jsonl"
	echo "{\"provider\":\"$who\",\"phase\":\"lifecycle\",\"ms\":$ms,\"ok\":true}" >>"$OUT/client.jsonl"
}

# bench_clients NAME [SUFFIX]: the lifecycle RUNS times each, C and SDK
# interleaved, as whole processes: C_CMD and SDK_CMD (arrays; SDK_CMD
# empty when there is no SDK).  Spans (appended to $OUT/client.jsonl):
# providers NAME-lifecycleSUFFIX (C) and NAME-sdkSUFFIX.  Prints the
# medians, the ratio and the steps; the ratio's target (<= 0.25) is the
# plain lifecycle's (no SUFFIX).  Fails when a side has no sample (every
# run of it failed): no figure rather than 0.
bench_clients() {
	local name=$1 suffix=${2:-} c_med sdk_med ratio target
	: >"$tmp/c.ms"
	: >"$tmp/sdk.ms"
	for _ in $(seq 1 "$RUNS"); do
		bench_timed "$name-lifecycle$suffix" "$tmp/c.ms" "${C_CMD[@]}" ||
			continue
		if ((${#SDK_CMD[@]})); then
			bench_timed "$name-sdk$suffix" "$tmp/sdk.ms" \
				"${SDK_CMD[@]}" || true
		fi
	done
	c_med=$(median <"$tmp/c.ms")
	if [[ -z $c_med ]]; then
		echo "lifecycle$suffix: no C run succeeded: no figure" >&2
		return 1
	fi
	echo "lifecycle$suffix, whole process, median of $(wc -l <"$tmp/c.ms"): C $c_med ms"
	if ((${#SDK_CMD[@]} == 0)); then
		echo "SDK not installed (npm missing?): comparison skipped"
		return 0
	fi
	sdk_med=$(median <"$tmp/sdk.ms")
	if [[ -z $sdk_med ]]; then
		echo "lifecycle$suffix: no SDK run succeeded: no ratio" >&2
		return 1
	fi
	ratio=$(awk -v c="$c_med" -v s="$sdk_med" 'BEGIN {printf "%.3f", c/s}')
	target=" (target <= 0.25)"
	[[ -z $suffix ]] || target=" (no target)"
	echo "lifecycle$suffix, whole process, median of $(wc -l <"$tmp/sdk.ms"): SDK $sdk_med ms"
	echo "ratio C/SDK$suffix: $ratio$target"
	python3 - "$OUT/client.jsonl" "$name-lifecycle$suffix" "$name-sdk$suffix" <<'PY'
import json, sys, statistics as st
by = {}
for line in open(sys.argv[1]):
    s = json.loads(line)
    by.setdefault((s["provider"], s["phase"]), []).append(s["ms"])
print("per step, median ms:     C      SDK")
for ph in ["provision", "upload", "exec", "interpreter", "preview", "tti",
           "teardown"]:
    c = by.get((sys.argv[2], ph)); s = by.get((sys.argv[3], ph))
    if c and s:
        print(f"  {ph:<12} {st.median(c):9.1f} {st.median(s):8.1f}")
PY
}

# bench_client_pair NAME SDK_PACKAGE: part 1 of daytona.sh and e2b.sh.
# `runeval lifecycle --NAME` against scripts/bench/NAME_sdk_lifecycle.cjs,
# first the lifecycle the target is for (--no-interactive), then with the
# interpreter and the time to interactive (a python3 server's first
# answer through the preview), which both sides pay alike (suffix
# -interactive).  Needs bench_payload's payload.
bench_client_pair() {
	local name=$1 pkg=$2 suffix
	: >"$OUT/client.jsonl"
	for suffix in "" -interactive; do
		C_CMD=("$BUILD/runeval" lifecycle "--$name" --json)
		SDK_CMD=()
		if bench_sdk_ready "$SDK" "$pkg"; then
			SDK_CMD=(node "scripts/bench/${name}_sdk_lifecycle.cjs"
				"$SDK" "$tmp/payload.tar.gz" "$payload_sha")
		fi
		if [[ -z $suffix ]]; then
			C_CMD+=(--no-interactive)
			((${#SDK_CMD[@]} == 0)) || SDK_CMD+=(--no-interactive)
		fi
		bench_clients "$name" "$suffix"
	done
}

# bench_scale NAME: `runeval --NAME --seeds $SEEDS --sandboxes $M`, wall
# time against the ideal: one sandbox's bring-up + the rollout work spread
# over M sandboxes x concurrency + one teardown, where the rollout work is
# SEEDS x the mean *uncontended* rollout time, measured by a job of its
# own that runs UNCONTENDED rollouts one at a time in one sandbox (the
# many-sandbox job's own rollout times are stretched by contention and
# would inflate the ideal); and create->ready per sandbox (provision
# start to health end: the app serving) with p50/p95.  Spans (provider
# NAME-job, kept apart from the lifecycle runs) to $OUT/scale.jsonl.
bench_scale() {
	local name=$1
	"$BUILD/runeval" "--$name" --seeds "$UNCONTENDED" --concurrency 1 \
		--out "$tmp/one" --no-progress -q || true
	"$BUILD/runeval" "--$name" --seeds "$SEEDS" --sandboxes "$M" \
		--out "$tmp/many" --no-progress -q || true
	python3 - "$tmp/one/result.json" "$tmp/many/result.json" "$M" \
		"$OUT/scale.jsonl" "$name-job" <<'PY'
import json, os, statistics, sys
one, many, m, out, who = (json.load(open(sys.argv[1])),
                          json.load(open(sys.argv[2])), int(sys.argv[3]),
                          sys.argv[4], sys.argv[5])
up = ["provision", "upload", "install", "start", "preview", "health"]
def phase_ms(res, phases):
    return sum(s["ms"] for s in res["spans"] if s["phase"] in phases)
bring_up = phase_ms(one, up)
teardown = phase_ms(one, ["teardown"])
k = many["config"]["concurrency"]
alone = [s["ms"] for s in one["spans"] if s["phase"] == "rollout" and s["ok"]]
seeds = many["summary"]["seeds"]
work = statistics.mean(alone) * seeds
contended = [s["ms"] for s in many["spans"] if s["phase"] == "rollout" and s["ok"]]
ideal = bring_up + work / (m * k) + teardown
wall = many["job"]["duration_ms"]
summ = many["summary"]
print(f"{seeds} seeds over {m} sandboxes (concurrency {k} each): "
      f"wall {wall:.0f} ms, ideal {ideal:.0f} ms "
      f"(bring-up {bring_up:.0f} + {seeds} x {statistics.mean(alone):.1f} ms "
      f"uncontended / {m*k} slots + teardown {teardown:.0f}), wall/ideal "
      f"{wall/ideal:.2f}; mean reward {summ['mean_reward']}, status "
      f"{many['job']['status']}")
if contended:
    print(f"  a rollout alone: mean {statistics.mean(alone):.1f} ms; in the "
          f"job: mean {statistics.mean(contended):.1f} ms (contention: "
          f"{statistics.mean(contended) / statistics.mean(alone):.2f}x; this "
          f"machine has {os.cpu_count()} CPUs for {m*k} slots)")
ph = summ["phases"]
for p in ["provision", "upload", "start", "health", "rollout", "teardown"]:
    if p in ph and ph[p]["p50"] is not None:
        print(f"  {p:<10} n={ph[p]['n']:<4} p50={ph[p]['p50']:.1f} ms  max={ph[p]['max']:.1f} ms")
# create -> ready: per sandbox, from its provision's start to its health's end
ready = []
for res in (one, many):
    first, last = {}, {}
    for s in res["spans"]:
        sb = s.get("sandbox")
        if s["phase"] == "provision" and s["ok"]:
            first[sb] = s["start_ms"]
        elif s["phase"] == "health" and s["ok"]:
            last[sb] = s["start_ms"] + s["ms"]
    ready += [last[sb] - first[sb] for sb in first if sb in last]
ready.sort()
def pct(v, q):
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]
if ready:
    print(f"create->ready (provision start to health 200, per sandbox, "
          f"n={len(ready)}): p50 {pct(ready, .5):.1f} ms, p95 "
          f"{pct(ready, .95):.1f} ms")
with open(out, "w") as f:
    for s in many["spans"]:
        f.write(json.dumps({"provider": who, "phase": s["phase"],
                            "ms": s["ms"], "ok": s["ok"],
                            "sandbox": s["sandbox"], "seed": s["seed"]}) + "\n")
    for ms in alone:
        f.write(json.dumps({"provider": who, "phase": "rollout_uncontended",
                            "ms": ms, "ok": True}) + "\n")
    for ms in ready:
        f.write(json.dumps({"provider": who, "phase": "create_to_ready",
                            "ms": ms, "ok": True}) + "\n")
    f.write(json.dumps({"provider": who, "phase": "job_wall",
                        "ms": wall, "ok": True}) + "\n")
    f.write(json.dumps({"provider": who, "phase": "job_ideal",
                        "ms": ideal, "ok": True}) + "\n")
PY
}

# bench_readiness NAME: how long after the app inside the sandbox accepts
# connections runeval's health wait sees 200 through the port proxy, over
# 5 runs of `runeval --NAME --seeds 1`.  Spans to $OUT/readiness.jsonl.
bench_readiness() {
	local name=$1 probe
	# The probe runs beside the app in the sandbox and notes (bash's
	# $EPOCHREALTIME: no fork) when its port first accepts a connection.
	probe='./start.sh --host 0.0.0.0 --port "$PORT" & while :; do t=$EPOCHREALTIME; { : 3<>/dev/tcp/127.0.0.1/$PORT; } 2>/dev/null && break; done; echo "READY ${t/./}000"; wait'
	: >"$tmp/lag.ms"
	for _ in $(seq 1 5); do
		rm -rf "$tmp/lag"
		"$BUILD/runeval" "--$name" --seeds 1 --app "$BUILD/taskapp-bundle" \
			--start "exec bash -c '$probe'" --out "$tmp/lag" --no-progress -q || true
		python3 - "$tmp/lag" >>"$tmp/lag.ms" <<'PY' || true
import glob, json, sys
d = sys.argv[1]
res = json.load(open(f"{d}/result.json"))
ready = None
for log in glob.glob(f"{d}/sandbox-*/taskapp.log"):
    for line in open(log, errors="replace"):
        if line.startswith("READY "):
            ready = int(line.split()[1])
h = [s for s in res["spans"] if s["phase"] == "health" and s["ok"]]
if ready and h:
    t0 = res["job"]["started_unix_us"] * 1000
    end = t0 + (h[0]["start_ms"] + h[0]["ms"]) * 1e6
    print(f"{(end - ready) / 1e6:.3f}")
PY
	done
	if [[ -s $tmp/lag.ms ]]; then
		echo "readiness lag (port open in the sandbox -> health 200 through the preview proxy), ms: median $(median <"$tmp/lag.ms") of $(wc -l <"$tmp/lag.ms"): $(tr '\n' ' ' <"$tmp/lag.ms")"
		awk -v name="$name-job" '$1 >= 0 {printf "{\"provider\":\"%s\",\"phase\":\"readiness_lag\",\"ms\":%s,\"ok\":true}\n", name, $1}' "$tmp/lag.ms" >"$OUT/readiness.jsonl"
	else
		echo "readiness lag: not measured (no READY line or no healthy span)"
	fi
}

# bench_report: the reporter over every sample file of $OUT.
bench_report() {
	if "$BUILD/runeval" report --help >/dev/null 2>&1; then
		"$BUILD/runeval" report "$OUT"/*.jsonl --md "$OUT/report.md" || true
	fi
}
