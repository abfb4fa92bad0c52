#!/usr/bin/env bash
# Daytona benchmark, all on one daytona-lite started here (loopback only):
#
#  1. client: `runeval lifecycle --daytona` (C) against the official
#     TypeScript SDK (@daytonaio/sdk 0.218.0, tests/sdk) doing the same
#     lifecycle (create, wait, upload + check + unpack, exec, preview URL,
#     delete), each as a whole process, RUNS times each, interleaved.
#     Figure: median C wall time / median SDK wall time (target <= 0.25).
#  2. scale: `runeval --daytona --seeds 200 --sandboxes 8`, wall time
#     against the ideal (one sandbox's bring-up + the rollout work spread
#     over 8 sandboxes x concurrency, + one teardown).
#  3. readiness: how long after the app inside the sandbox accepts
#     connections runeval's health wait sees 200 through the preview proxy.
#
# Samples go to $OUT (default build/bench/daytona) as span lines for
# `runeval report`.  Env: BUILD (build), RUNS (10), SEEDS (200), M (8),
# SDK (tests/sdk: the npm package.json of the SDK conformance tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-10}
SEEDS=${SEEDS:-200}
M=${M:-8}
OUT=${OUT:-$BUILD/bench/daytona}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
RUNEVAL=$BUILD/runeval
LITE=$BUILD/daytona-lite
BUNDLE=$BUILD/taskapp-bundle
SDK=${SDK:-$PWD/tests/sdk}

[[ -x $RUNEVAL && -x $LITE && -x $BUNDLE/start.sh ]] || {
	echo "daytona.sh: build first: make all bundle" >&2
	exit 1
}
mkdir -p "$OUT"
tmp=$(mktemp -d /tmp/runeval-bench-daytona-XXXXXX)
lite_pid=
cleanup() {
	[[ -n $lite_pid ]] && kill "$lite_pid" 2>/dev/null && wait "$lite_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

echo "machine: $(uname -srm), $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

# --- daytona-lite -----------------------------------------------------------
key=bench-$RANDOM$RANDOM$RANDOM
"$LITE" --listen 127.0.0.1:0 --state-dir "$tmp/state" --api-key "$key" \
	--quiet >"$tmp/lite.log" 2>&1 &
lite_pid=$!
for _ in $(seq 1 300); do
	url=$(grep -o 'API at [^ ]*' "$tmp/lite.log" | cut -d' ' -f3 || true)
	[[ -n $url ]] && break
	sleep 0.05
done
[[ -n ${url:-} ]] || { echo "daytona.sh: daytona-lite did not start" >&2; cat "$tmp/lite.log" >&2; exit 1; }
export DAYTONA_API_URL=$url DAYTONA_API_KEY=$key RUNEVAL_STATE_DIR=$tmp/state-runeval
unset DAYTONA_JWT_TOKEN DAYTONA_ORGANIZATION_ID DAYTONA_TARGET
echo "daytona-lite: $url"

# --- 1. C client against the official SDK ---------------------------------
have_sdk=1
if [[ ! -d $SDK/node_modules/@daytonaio/sdk ]]; then
	if command -v npm >/dev/null && [[ -f $SDK/package.json ]]; then
		npm install --prefix "$SDK" --no-audit --no-fund --silent >&2 || have_sdk=0
	else
		have_sdk=0
	fi
fi
mkdir -p "$tmp/payload"
echo "hello from runeval" >"$tmp/payload/hello.txt"
tar czf "$tmp/payload.tar.gz" -C "$tmp/payload" .
sha=$(sha256sum "$tmp/payload.tar.gz" | cut -c1-64)
: >"$OUT/client.jsonl"
: >"$tmp/c.ms"
: >"$tmp/sdk.ms"
for i in $(seq 1 "$RUNS"); do
	t0=$(now_ns)
	"$RUNEVAL" lifecycle --daytona --json >"$tmp/c.out"
	t1=$(now_ns)
	ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b-a)/1e6}')
	echo "$ms" >>"$tmp/c.ms"
	cat "$tmp/c.out" >>"$OUT/client.jsonl"
	echo "{\"provider\":\"daytona-c\",\"phase\":\"lifecycle\",\"ms\":$ms,\"ok\":true}" >>"$OUT/client.jsonl"
	if ((have_sdk)); then
		t0=$(now_ns)
		node scripts/bench/daytona_sdk_lifecycle.cjs "$SDK" \
			"$tmp/payload.tar.gz" "$sha" >"$tmp/sdk.out"
		t1=$(now_ns)
		ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b-a)/1e6}')
		echo "$ms" >>"$tmp/sdk.ms"
		cat "$tmp/sdk.out" >>"$OUT/client.jsonl"
		echo "{\"provider\":\"daytona-sdk\",\"phase\":\"lifecycle\",\"ms\":$ms,\"ok\":true}" >>"$OUT/client.jsonl"
	fi
done
c_med=$(median <"$tmp/c.ms")
echo "lifecycle, whole process, median of $RUNS: C $c_med ms"
if ((have_sdk)); then
	sdk_med=$(median <"$tmp/sdk.ms")
	ratio=$(awk -v c="$c_med" -v s="$sdk_med" 'BEGIN {printf "%.3f", c/s}')
	echo "lifecycle, whole process, median of $RUNS: SDK $sdk_med ms"
	echo "ratio C/SDK: $ratio (target <= 0.25)"
	python3 - "$OUT/client.jsonl" <<'PY'
import json, sys, statistics as st
by = {}
for line in open(sys.argv[1]):
    s = json.loads(line)
    by.setdefault((s["provider"], s["phase"]), []).append(s["ms"])
print("per step, median ms:     C      SDK")
for ph in ["provision", "upload", "exec", "preview", "teardown"]:
    c = by.get(("daytona", ph)); s = by.get(("daytona-sdk", ph))
    if c and s:
        print(f"  {ph:<12} {st.median(c):9.1f} {st.median(s):8.1f}")
PY
else
	echo "SDK not installed (npm missing?): comparison skipped"
fi

# --- 2. SEEDS seeds over M sandboxes against the ideal ---------------------
"$RUNEVAL" --daytona --seeds 1 --out "$tmp/one" --no-progress -q || true
"$RUNEVAL" --daytona --seeds "$SEEDS" --sandboxes "$M" --out "$tmp/many" \
	--no-progress -q || true
python3 - "$tmp/one/result.json" "$tmp/many/result.json" "$M" "$OUT/scale.jsonl" <<'PY'
import json, sys
one, many, m, out = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3]), sys.argv[4]
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
with open(out, "w") as f:
    for s in many["spans"]:
        f.write(json.dumps({"provider": "daytona", "phase": s["phase"],
                            "ms": s["ms"], "ok": s["ok"],
                            "sandbox": s["sandbox"], "seed": s["seed"]}) + "\n")
    f.write(json.dumps({"provider": "daytona", "phase": "job_wall",
                        "ms": wall, "ok": True}) + "\n")
    f.write(json.dumps({"provider": "daytona", "phase": "job_ideal",
                        "ms": ideal, "ok": True}) + "\n")
PY

# --- 3. readiness detection lag through the preview proxy ------------------
# The probe runs beside the app in the sandbox and notes (bash's
# $EPOCHREALTIME: no fork) when its port first accepts a connection.
probe='./start.sh --host 0.0.0.0 --port "$PORT" & while :; do t=$EPOCHREALTIME; { : 3<>/dev/tcp/127.0.0.1/$PORT; } 2>/dev/null && break; done; echo "READY ${t/./}000"; wait'
: >"$tmp/lag.ms"
for i in $(seq 1 5); do
	rm -rf "$tmp/lag"
	"$RUNEVAL" --daytona --seeds 1 --app "$BUNDLE" \
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
	awk '$1 >= 0 {printf "{\"provider\":\"daytona\",\"phase\":\"readiness_lag\",\"ms\":%s,\"ok\":true}\n", $1}' "$tmp/lag.ms" >"$OUT/readiness.jsonl"
else
	echo "readiness lag: not measured (no READY line or no healthy span)"
fi
# the reporter: per provider and phase statistics, C against the SDK
if "$RUNEVAL" report --help >/dev/null 2>&1; then
	"$RUNEVAL" report "$OUT"/*.jsonl --md "$OUT/report.md" || true
fi
left=$(curl -s -H "Authorization: Bearer $key" "$url/sandbox" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"] if isinstance(d, dict) else d))' || echo '?')
echo "sandboxes left on daytona-lite: $left"
echo "samples: $OUT/*.jsonl"
