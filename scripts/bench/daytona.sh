#!/usr/bin/env bash
# Daytona benchmark, all on one daytona-lite started here (loopback only):
#
#  1. client: `runeval lifecycle --daytona` (C) against the official
#     TypeScript SDK (@daytonaio/sdk 0.218.0, tests/sdk) doing the same
#     lifecycle (create, wait, upload + check + unpack, exec, preview URL,
#     delete), each as a whole process, RUNS times each, interleaved.
#     Figure: median C wall time / median SDK wall time (target <= 0.25).
#     Spans: provider daytona-lifecycle (C) and daytona-sdk, phase per
#     step, and "lifecycle" for the whole process.
#  2. TLS: the same lifecycle against a second daytona-lite serving HTTPS
#     (--tls-cert, a throwaway CA made here with openssl, trusted with
#     RUNEVAL_CA_CERT / NODE_EXTRA_CA_CERTS), interleaved with plain HTTP
#     runs: requests per lifecycle, connections opened (keep-alive
#     reuse: target <= 2), and median time over TLS / over HTTP (target
#     <= 1.2).  Spans: daytona-lifecycle-tls, daytona-sdk-tls.
#  3. scale: `runeval --daytona --seeds SEEDS --sandboxes M`, wall time
#     against the ideal: one sandbox's bring-up + the rollout work spread
#     over M sandboxes x concurrency + one teardown, where the rollout
#     work is SEEDS x the mean *uncontended* rollout time, measured by a
#     job of its own that runs one rollout at a time in one sandbox (the
#     many-sandbox job's own rollout times are stretched by contention
#     and would inflate the ideal).  Spans: daytona-job (kept apart from
#     the lifecycle runs).
#  4. readiness: how long after the app inside the sandbox accepts
#     connections runeval's health wait sees 200 through the preview proxy.
#
# Samples go to $OUT (default build/bench/daytona) as span lines for
# `runeval report`.  Env: BUILD (build), RUNS (10), SEEDS (200), M (8),
# UNCONTENDED (24: seeds of the one-at-a-time job), SDK (tests/sdk: the
# npm package.json of the SDK conformance tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-10}
SEEDS=${SEEDS:-200}
M=${M:-8}
UNCONTENDED=${UNCONTENDED:-24}
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
tls_pid=
cleanup() {
	[[ -n $lite_pid ]] && kill "$lite_pid" 2>/dev/null && wait "$lite_pid" 2>/dev/null
	[[ -n $tls_pid ]] && kill "$tls_pid" 2>/dev/null && wait "$tls_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

echo "machine: $(uname -srm), $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

# --- daytona-lite -----------------------------------------------------------
key=bench-$RANDOM$RANDOM$RANDOM
source scripts/bench/lite_start.bash
lite_start "$tmp/state" "$key" "$tmp/lite.log"
lite_pid=$lite_started_pid url=$lite_started_url
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
	if ! "$RUNEVAL" lifecycle --daytona --json >"$tmp/c.out"; then
		echo "(a C run failed: not a sample)" >&2
		continue
	fi
	t1=$(now_ns)
	ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b-a)/1e6}')
	echo "$ms" >>"$tmp/c.ms"
	sed 's/"provider":"daytona"/"provider":"daytona-lifecycle"/' \
		"$tmp/c.out" >>"$OUT/client.jsonl"
	echo "{\"provider\":\"daytona-lifecycle\",\"phase\":\"lifecycle\",\"ms\":$ms,\"ok\":true}" >>"$OUT/client.jsonl"
	if ((have_sdk)); then
		t0=$(now_ns)
		if ! node scripts/bench/daytona_sdk_lifecycle.cjs "$SDK" \
			"$tmp/payload.tar.gz" "$sha" >"$tmp/sdk.out"; then
			echo "(an SDK run failed: not a sample)" >&2
			continue
		fi
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
    c = by.get(("daytona-lifecycle", ph)); s = by.get(("daytona-sdk", ph))
    if c and s:
        print(f"  {ph:<12} {st.median(c):9.1f} {st.median(s):8.1f}")
PY
else
	echo "SDK not installed (npm missing?): comparison skipped"
fi

# --- 2. the same lifecycle over TLS ---------------------------------------
# A throwaway CA and a certificate for 127.0.0.1, localhost and
# *.preview.localhost; a second daytona-lite serves HTTPS and wss with it.
lifecycle_once() {	# $1 = env file; prints "process_ms reqs conns lifecycle_ms"
	local t0 t1 rc=0
	t0=$(now_ns)
	env $(cat "$1") "$RUNEVAL" lifecycle --daytona --json \
		>"$tmp/l.out" 2>"$tmp/l.err" || rc=$?
	t1=$(now_ns)
	if ((rc != 0)); then	# a failed run is no sample: say why
		echo "lifecycle ($(basename "$1" .env)) failed:" \
			"$(grep -m1 error "$tmp/l.err")" >&2
		return 0
	fi
	awk -v a="$t0" -v b="$t1" '/requests over/ {
		for (i = 1; i <= NF; i++) {
			if ($i == "requests") r = $(i - 1)
			if ($i == "connections") c = $(i - 1)
		}
		l = $(NF - 1)
	} END { printf "%.3f %s %s %s\n", (b - a) / 1e6, r, c, l }' "$tmp/l.err"
}
if command -v openssl >/dev/null; then
	mkdir -p "$tmp/ca"
	(cd "$tmp/ca" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout ca.key -out ca.pem -days 2 -subj '/CN=bench CA' &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout srv.key -out srv.csr -subj '/CN=localhost' &&
	printf 'subjectAltName=DNS:localhost,DNS:*.preview.localhost,IP:127.0.0.1\n' >ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -out srv.pem -days 2 -extfile ext) >/dev/null 2>&1
	lite_start "$tmp/t" "$key" "$tmp/tls.log" \
		--tls-cert "$tmp/ca/srv.pem" --tls-key "$tmp/ca/srv.key"
	tls_pid=$lite_started_pid tls_url=$lite_started_url
	echo "DAYTONA_API_URL=$url" >"$tmp/plain.env"
	printf 'DAYTONA_API_URL=%s\nRUNEVAL_CA_CERT=%s\n' "$tls_url" \
		"$tmp/ca/ca.pem" >"$tmp/tls.env"
	: >"$tmp/tls.rows"
	: >"$tmp/plain.rows"
	for i in $(seq 1 "$RUNS"); do
		lifecycle_once "$tmp/plain.env" >>"$tmp/plain.rows"
		lifecycle_once "$tmp/tls.env" >>"$tmp/tls.rows"
		sed 's/"provider":"daytona"/"provider":"daytona-lifecycle-tls"/' \
			"$tmp/l.out" >>"$OUT/client.jsonl"
		if ((have_sdk)); then
			t0=$(now_ns)
			DAYTONA_API_URL=$tls_url NODE_EXTRA_CA_CERTS=$tmp/ca/ca.pem \
				node scripts/bench/daytona_sdk_lifecycle.cjs "$SDK" \
				"$tmp/payload.tar.gz" "$sha" >/dev/null 2>&1 || true
			t1=$(now_ns)
			awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", (b-a)/1e6}' >>"$tmp/sdk-tls.ms"
		fi
	done
	python3 - "$tmp/plain.rows" "$tmp/tls.rows" "$OUT/client.jsonl" "$tmp/sdk-tls.ms" <<'PY'
import json, os, statistics as st, sys
def rows(p):
    return [l.split() for l in open(p) if len(l.split()) == 4]
plain, tls = rows(sys.argv[1]), rows(sys.argv[2])
with open(sys.argv[3], "a") as f:
    for who, rs in (("daytona-lifecycle", plain), ("daytona-lifecycle-tls", tls)):
        for proc, _, _, life in rs:
            f.write(json.dumps({"provider": who, "phase": "lifecycle_requests",
                                "ms": float(life), "ok": True}) + "\n")
            f.write(json.dumps({"provider": who, "phase": "lifecycle_process",
                                "ms": float(proc), "ok": True}) + "\n")
def med(rs, i):
    return st.median(float(r[i]) for r in rs)
if plain and tls:
    ratio = med(tls, 3) / med(plain, 3)
    conns = max(int(r[2]) for r in tls)
    for name, rs in (("TLS", tls), ("HTTP", plain)):
        print(f"lifecycle over {name}, median of {len(rs)}: {med(rs, 3):.1f} ms "
              f"from the first request to the last ({med(rs, 0):.1f} ms for the "
              f"whole process), {med(rs, 1):.0f} requests over "
              f"{med(rs, 2):.0f} connection(s)")
    print(f"connections per lifecycle over TLS: at most {conns} (target <= 2: "
          f"{'met' if conns <= 2 else 'MISSED'})")
    print(f"TLS / HTTP time of the lifecycle: {ratio:.2f} (target <= 1.2: "
          f"{'met' if ratio <= 1.2 else 'MISSED'}); of the whole process "
          f"{med(tls, 0) / med(plain, 0):.2f} (it also loads OpenSSL's CA "
          f"file once)")
sdk = sys.argv[4]
if os.path.exists(sdk) and os.path.getsize(sdk):
    v = [float(l) for l in open(sdk)]
    print(f"SDK lifecycle over TLS, median of {len(v)}: {st.median(v):.1f} ms "
          f"(its connections are not counted here)")
PY
else
	echo "openssl missing: TLS runs skipped"
fi

# --- 3. SEEDS seeds over M sandboxes against the ideal ---------------------
# the ideal's rollout work: rollouts one at a time in one sandbox
"$RUNEVAL" --daytona --seeds "$UNCONTENDED" --concurrency 1 --out "$tmp/one" \
	--no-progress -q || true
"$RUNEVAL" --daytona --seeds "$SEEDS" --sandboxes "$M" --out "$tmp/many" \
	--no-progress -q || true
python3 - "$tmp/one/result.json" "$tmp/many/result.json" "$M" "$OUT/scale.jsonl" <<'PY'
import json, statistics, sys
one, many, m, out = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3]), sys.argv[4]
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
          f"machine has {__import__('os').cpu_count()} CPUs for {m*k} slots)")
ph = summ["phases"]
for p in ["provision", "upload", "start", "health", "rollout", "teardown"]:
    if p in ph and ph[p]["p50"] is not None:
        print(f"  {p:<10} n={ph[p]['n']:<4} p50={ph[p]['p50']:.1f} ms  max={ph[p]['max']:.1f} ms")
with open(out, "w") as f:
    for s in many["spans"]:
        f.write(json.dumps({"provider": "daytona-job", "phase": s["phase"],
                            "ms": s["ms"], "ok": s["ok"],
                            "sandbox": s["sandbox"], "seed": s["seed"]}) + "\n")
    for ms in alone:
        f.write(json.dumps({"provider": "daytona-job", "phase":
                            "rollout_uncontended", "ms": ms, "ok": True}) + "\n")
    f.write(json.dumps({"provider": "daytona-job", "phase": "job_wall",
                        "ms": wall, "ok": True}) + "\n")
    f.write(json.dumps({"provider": "daytona-job", "phase": "job_ideal",
                        "ms": ideal, "ok": True}) + "\n")
PY

# --- 4. readiness detection lag through the preview proxy ------------------
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
	awk '$1 >= 0 {printf "{\"provider\":\"daytona-job\",\"phase\":\"readiness_lag\",\"ms\":%s,\"ok\":true}\n", $1}' "$tmp/lag.ms" >"$OUT/readiness.jsonl"
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
