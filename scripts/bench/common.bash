# shellcheck shell=bash
# What the provider benchmarks (daytona.sh, e2b.sh) share: sourced, not run
# (run-all.sh runs *.sh only), from the top of the tree; bench_init first.

# bench_init NAME PROG: the settings (BUILD, made absolute; RUNS 10,
# SEEDS 200, M 8, OUT $BUILD/bench/NAME, SDK tests/sdk), the programs
# checked (runeval, PROG, the bundle), and $tmp, removed at exit with the
# server bench_start_lite started.
bench_init() {
	local name=$1 prog=$2
	BUILD=${BUILD:-build}
	[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
	RUNS=${RUNS:-10}
	SEEDS=${SEEDS:-200}
	M=${M:-8}
	OUT=${OUT:-$BUILD/bench/$name}
	SDK=${SDK:-$PWD/tests/sdk}
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
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

bench_machine() {
	echo "machine: $(uname -srm), $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_start_lite PROG KEY: start $BUILD/PROG on a free loopback port
# with its state in $tmp; sets lite_pid and lite_url.  The caller's EXIT
# trap stops it (bench_stop_lite).
bench_start_lite() {
	local prog=$1 key=$2
	"$BUILD/$prog" --listen 127.0.0.1:0 --state-dir "$tmp/state" \
		--api-key "$key" --quiet >"$tmp/lite.log" 2>&1 &
	lite_pid=$!
	lite_url=
	for _ in $(seq 1 300); do
		lite_url=$(grep -o 'API at [^ ]*' "$tmp/lite.log" | cut -d' ' -f3 || true)
		[[ -n $lite_url ]] && break
		sleep 0.05
	done
	[[ -n $lite_url ]] || { echo "$prog did not start" >&2; cat "$tmp/lite.log" >&2; exit 1; }
	echo "$prog: $lite_url"
}

bench_stop_lite() {
	if [[ -n ${lite_pid:-} ]]; then
		kill "$lite_pid" 2>/dev/null || true
		wait "$lite_pid" 2>/dev/null || true
	fi
	lite_pid=
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

# bench_timed NAME FILE CMD...: run CMD with stdout to $tmp/NAME.out,
# append its wall time (ms) to FILE, its spans and a "lifecycle" span
# for NAME to $OUT/client.jsonl.  Fails when CMD does.
bench_timed() {
	local name=$1 file=$2 t0 t1 ms rc=0
	shift 2
	t0=$(now_ns)
	"$@" >"$tmp/$name.out" || rc=$?
	t1=$(now_ns)
	ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b-a)/1e6}')
	echo "$ms" >>"$file"
	cat "$tmp/$name.out" >>"$OUT/client.jsonl"
	echo "{\"provider\":\"$name\",\"phase\":\"lifecycle\",\"ms\":$ms,\"ok\":$( ((rc == 0)) && echo true || echo false)}" >>"$OUT/client.jsonl"
	return $rc
}

# bench_clients C_NAME SDK_NAME: the lifecycle RUNS times each, C and SDK
# interleaved, as whole processes: C_CMD and SDK_CMD (arrays; SDK_CMD
# empty when there is no SDK).  C_NAME is the provider the C side's spans
# name.  Prints the medians, the ratio (target <= 0.25) and the steps.
bench_clients() {
	local cname=$1 sname=$2 c_med sdk_med ratio
	: >"$OUT/client.jsonl"
	: >"$tmp/c.ms"
	: >"$tmp/sdk.ms"
	for _ in $(seq 1 "$RUNS"); do
		bench_timed "$cname-c" "$tmp/c.ms" "${C_CMD[@]}" ||
			echo "C lifecycle failed: $(cat "$tmp/$cname-c.out")" >&2
		if ((${#SDK_CMD[@]})); then
			bench_timed "$sname" "$tmp/sdk.ms" "${SDK_CMD[@]}" ||
				echo "SDK lifecycle failed" >&2
		fi
	done
	c_med=$(median <"$tmp/c.ms")
	echo "lifecycle, whole process, median of $RUNS: C $c_med ms"
	if ((${#SDK_CMD[@]} == 0)); then
		echo "SDK not installed (npm missing?): comparison skipped"
		return 0
	fi
	sdk_med=$(median <"$tmp/sdk.ms")
	ratio=$(awk -v c="$c_med" -v s="$sdk_med" 'BEGIN {printf "%.3f", c/s}')
	echo "lifecycle, whole process, median of $RUNS: SDK $sdk_med ms"
	echo "ratio C/SDK: $ratio (target <= 0.25)"
	python3 - "$OUT/client.jsonl" "$cname" "$sname" <<'PY'
import json, sys, statistics as st
by = {}
for line in open(sys.argv[1]):
    s = json.loads(line)
    by.setdefault((s["provider"], s["phase"]), []).append(s["ms"])
print("per step, median ms:     C      SDK")
for ph in ["provision", "upload", "exec", "preview", "teardown"]:
    c = by.get((sys.argv[2], ph)); s = by.get((sys.argv[3], ph))
    if c and s:
        print(f"  {ph:<12} {st.median(c):9.1f} {st.median(s):8.1f}")
PY
}

# bench_scale NAME: `runeval --NAME --seeds $SEEDS --sandboxes $M` against
# the ideal (one sandbox's bring-up + the rollout work spread over M
# sandboxes x concurrency + one teardown), and create->ready per sandbox
# (provision start to health end: the app serving) with p50/p95.  Spans
# to $OUT/scale.jsonl.
bench_scale() {
	local name=$1
	"$BUILD/runeval" "--$name" --seeds 1 --out "$tmp/one" --no-progress -q || true
	"$BUILD/runeval" "--$name" --seeds "$SEEDS" --sandboxes "$M" \
		--out "$tmp/many" --no-progress -q || true
	python3 - "$tmp/one/result.json" "$tmp/many/result.json" "$M" \
		"$OUT/scale.jsonl" "$name" <<'PY'
import json, sys
one, many, m, out, name = (json.load(open(sys.argv[1])),
                           json.load(open(sys.argv[2])), int(sys.argv[3]),
                           sys.argv[4], sys.argv[5])
up = ["provision", "upload", "install", "start", "preview", "health"]
def phase_ms(res, phases):
    return sum(s["ms"] for s in res["spans"] if s["phase"] in phases)
bring_up = phase_ms(one, up)
teardown = phase_ms(one, ["teardown"])
k = many["config"]["concurrency"]
work = sum(s["ms"] for s in many["spans"] if s["phase"] == "rollout")
ideal = bring_up + work / (m * k) + teardown
wall = many["job"]["duration_ms"]
summ = many["summary"]
print(f"{summ['seeds']} seeds over {m} sandboxes (concurrency {k} each): "
      f"wall {wall:.0f} ms, ideal {ideal:.0f} ms "
      f"(bring-up {bring_up:.0f} + rollouts {work:.0f}/{m*k} + teardown "
      f"{teardown:.0f}), wall/ideal {wall/ideal:.2f}; mean reward "
      f"{summ['mean_reward']}, status {many['job']['status']}")
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
        f.write(json.dumps({"provider": name, "phase": s["phase"],
                            "ms": s["ms"], "ok": s["ok"],
                            "sandbox": s["sandbox"], "seed": s["seed"]}) + "\n")
    for ms in ready:
        f.write(json.dumps({"provider": name, "phase": "create_to_ready",
                            "ms": ms, "ok": True}) + "\n")
    f.write(json.dumps({"provider": name, "phase": "job_wall",
                        "ms": wall, "ok": True}) + "\n")
    f.write(json.dumps({"provider": name, "phase": "job_ideal",
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
		awk -v name="$name" '$1 >= 0 {printf "{\"provider\":\"%s\",\"phase\":\"readiness_lag\",\"ms\":%s,\"ok\":true}\n", name, $1}' "$tmp/lag.ms" >"$OUT/readiness.jsonl"
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
