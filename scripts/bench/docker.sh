#!/usr/bin/env bash
# Docker benchmark, all on one private dockerd started here (as the tests
# do: its own socket, data and exec roots, no iptables, no forwarding, a
# bridge network on a private subnet) and one image
# (runeval-taskapp:bookworm, scripts/docker-image.sh):
#
#  1. bring-up: runeval's create -> healthy (its provision..health spans,
#     the bundled task app) against a plain shell doing `docker run -d -p`
#     of the same image with the bundle mounted, then curl polling
#     /health every 0.1 s; RUNS times each, interleaved.  Figure: median
#     runeval / median shell (target <= 0.7).  The first runeval run after
#     the image was imported is also shown apart (cold), and so is a
#     shell that copies the app in as runeval does (create, cp, start).
#     The engine's own floor is measured in the same loop: POST create +
#     POST start of the same image on the same network with the same
#     published port, with curl on the socket and nothing inside; no
#     bring-up that starts a container can beat it.
#  2. scale: 5 sandboxes at once (`runeval lifecycle --docker`, 5
#     processes, ROUNDS rounds) and 20 in a row (one process,
#     `lifecycle --repeat 20`): create->running and teardown p50/p95/p99,
#     and runeval's RSS growth over the 20 (target < 1 MB).
#  3. snapshots: `runeval --docker --snapshot-after-install` over 3
#     sandboxes, SNAPS times: snapshot create, and create-from-snapshot
#     (restore) against a cold create (provision), each with the start
#     that follows it (the container starts with the app: phase start).
#
# Samples go to $OUT (default build/bench/docker) as span lines for
# `runeval report`.  Env: BUILD (build), RUNS (10), ROUNDS (4), SNAPS (3),
# PARTS (which of the three to run: 123).
# Needs root (dockerd) and Debian's docker.io.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-10}
ROUNDS=${ROUNDS:-4}
SNAPS=${SNAPS:-3}
PARTS=${PARTS:-123}
OUT=${OUT:-$BUILD/bench/docker}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
RUNEVAL=$BUILD/runeval
BUNDLE=$BUILD/taskapp-bundle
IMAGE=runeval-taskapp:bookworm

[[ -x $RUNEVAL && -x $BUNDLE/start.sh ]] || {
	echo "docker.sh: build first: make all bundle" >&2
	exit 1
}
mkdir -p "$OUT"
tmp=$(mktemp -d /tmp/runeval-bench-docker-XXXXXX)
net=rvb$(($$ % 100000))
source scripts/bench/dockerd_start.bash
cleanup() {
	dockerd_stop
	rm -rf "$tmp"
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {if (!NR) exit; if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }
now_ns() { date +%s%N; }

echo "machine: $(uname -srm), $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- the engine -----------------------------------------------------------
dockerd_start "$tmp" "$net" || exit 1
"$DOCKER" version --format 'engine: Docker {{.Server.Version}}, API {{.Server.APIVersion}}'
export RUNEVAL_STATE_DIR=$tmp/state
t0=$(now_ns)
bash scripts/docker-image.sh >/dev/null
echo "image: $IMAGE imported in $(( ($(now_ns) - t0) / 1000000 )) ms ($(du -h "$(bash scripts/docker-image.sh --tarball)" | cut -f1) rootfs tarball)"

# --- 1. bring-up: runeval against docker run + curl -----------------------
if [[ $PARTS == *1* ]]; then
key=bench-key-$RANDOM$RANDOM
# the container's published port, polled with curl every 0.1 s until
# /health answers; prints the ms since t0 and removes the container
shell_wait_healthy() {
	local t0=$1 cid=$2 port
	port=$("$DOCKER" port "$cid" 8000/tcp | head -n1 | sed 's/.*://')
	until curl -fsS -o /dev/null -H "X-API-Key: $key" "http://127.0.0.1:$port/health" 2>/dev/null; do
		sleep 0.1
	done
	awk -v a="$t0" -v b="$(now_ns)" 'BEGIN {printf "%.1f\n", (b-a)/1e6}'
	"$DOCKER" rm -f "$cid" >/dev/null
}
shell_bring_up() {
	local t0 cid
	t0=$(now_ns)
	cid=$("$DOCKER" run -d -p 127.0.0.1::8000 --network "$net" \
		-e PORT=8000 -e ENVIRONMENT_API_KEY="$key" -v "$BUNDLE:/app:ro" \
		--label runeval.bench=1 "$IMAGE" /app/start.sh --host 0.0.0.0 --port 8000)
	shell_wait_healthy "$t0" "$cid"
}
# the same, shipping the app into the container as runeval does
shell_cp_bring_up() {
	local t0 cid
	t0=$(now_ns)
	cid=$("$DOCKER" create -p 127.0.0.1::8000 --network "$net" \
		-e PORT=8000 -e ENVIRONMENT_API_KEY="$key" --label runeval.bench=1 \
		-w /app "$IMAGE" ./start.sh --host 0.0.0.0 --port 8000)
	"$DOCKER" cp "$BUNDLE/." "$cid:/app" >/dev/null
	"$DOCKER" start "$cid" >/dev/null
	shell_wait_healthy "$t0" "$cid"
}
# the engine's create + start (running), nothing else: the floor
engine_floor() {
	local t0 id ms api=http://docker/v1.41
	t0=$(now_ns)
	id=$(curl -sf --unix-socket "$tmp/docker.sock" -H 'Content-Type: application/json' \
		-d "{\"Image\":\"$IMAGE\",\"Entrypoint\":[\"/bin/sh\",\"-c\",\"while :; do sleep 3600 & wait \$!; done\"],\"Labels\":{\"runeval.bench\":\"1\"},\"ExposedPorts\":{\"8000/tcp\":{}},\"HostConfig\":{\"NetworkMode\":\"$net\",\"PortBindings\":{\"8000/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"}]}}}" \
		"$api/containers/create" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
	curl -sf --unix-socket "$tmp/docker.sock" -X POST "$api/containers/$id/start"
	ms=$(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN {printf "%.1f\n", (b-a)/1e6}')
	"$DOCKER" rm -f "$id" >/dev/null
	echo "$ms"
}
runeval_bring_up() {
	rm -rf "$tmp/run"
	"$RUNEVAL" --docker --seeds 1 --out "$tmp/run" --no-progress -q >/dev/null || true
	python3 - "$tmp/run/result.json" "$OUT/bringup-phases.jsonl" <<'PY'
import json, sys
spans = json.load(open(sys.argv[1]))["spans"]
up = [s for s in spans if s["phase"] in
      ("provision", "upload", "install", "start", "preview", "health")]
assert up and all(s["ok"] for s in up), "bring-up failed"
t0 = min(s["start_ms"] for s in up)
t1 = max(s["start_ms"] + s["ms"] for s in up)
with open(sys.argv[2], "a") as f:
    for s in up:
        f.write(json.dumps({"provider": "docker-runeval", "phase": s["phase"],
                            "ms": s["ms"], "ok": s["ok"]}) + "\n")
print(f"{t1 - t0:.1f}")
PY
}
: >"$OUT/bringup.jsonl"
: >"$OUT/bringup-phases.jsonl"
: >"$tmp/rv.ms"
: >"$tmp/sh.ms"
: >"$tmp/shcp.ms"
: >"$tmp/floor.ms"
for i in $(seq 1 "$RUNS"); do
	ms=$(runeval_bring_up)
	if ((i == 1)); then
		cold=$ms
	fi
	echo "$ms" >>"$tmp/rv.ms"
	echo "{\"provider\":\"docker-runeval\",\"phase\":\"bring_up\",\"ms\":$ms,\"ok\":true}" >>"$OUT/bringup.jsonl"
	ms=$(shell_bring_up 2>/dev/null)
	echo "$ms" >>"$tmp/sh.ms"
	echo "{\"provider\":\"docker-shell\",\"phase\":\"bring_up\",\"ms\":$ms,\"ok\":true}" >>"$OUT/bringup.jsonl"
	ms=$(shell_cp_bring_up 2>/dev/null)
	echo "$ms" >>"$tmp/shcp.ms"
	echo "{\"provider\":\"docker-shell-cp\",\"phase\":\"bring_up\",\"ms\":$ms,\"ok\":true}" >>"$OUT/bringup.jsonl"
	ms=$(engine_floor 2>/dev/null)
	echo "$ms" >>"$tmp/floor.ms"
	echo "{\"provider\":\"docker-engine-floor\",\"phase\":\"create_start\",\"ms\":$ms,\"ok\":true}" >>"$OUT/bringup.jsonl"
done
rv_med=$(median <"$tmp/rv.ms")
sh_med=$(median <"$tmp/sh.ms")
if [[ -z $rv_med || -z $sh_med ]]; then
	echo "docker.sh: every runeval or every shell run failed: no figure" >&2
	exit 1
fi
echo "bring-up (create -> healthy), median of $RUNS: runeval $rv_med ms, docker run + curl every 0.1 s $sh_med ms"
echo "ratio runeval/shell: $(awk -v a="$rv_med" -v b="$sh_med" 'BEGIN {printf "%.2f", a/b}') (target <= 0.7); first runeval run after the import (cold): $cold ms"
python3 - "$OUT/bringup-phases.jsonl" <<'PY'
import json, statistics as st, sys
by = {}
for line in open(sys.argv[1]):
    s = json.loads(line)
    by.setdefault(s["phase"], []).append(s["ms"])
print("runeval's bring-up by phase, median ms: " + ", ".join(
    f"{p} {st.median(by[p]):.0f}" for p in
    ("provision", "upload", "install", "start", "preview", "health") if p in by))
PY
fl_med=$(median <"$tmp/floor.ms")
echo "the engine's floor (POST create + POST start, same image, network and published port, curl on the socket): $fl_med ms = $(awk -v a="$fl_med" -v b="$sh_med" 'BEGIN {printf "%.2f", a/b}') x the shell; runeval - floor: $(awk -v a="$rv_med" -v b="$fl_med" 'BEGIN {printf "%.0f", a-b}') ms"
shcp_med=$(median <"$tmp/shcp.ms")
echo "the shell copying the app in (docker create + docker cp + docker start + curl): $shcp_med ms; ratio runeval/that: $(awk -v a="$rv_med" -v b="$shcp_med" 'BEGIN {printf "%.2f", a/b}')"
fi

# --- 2. five at once, twenty in a row, RSS --------------------------------
if [[ $PARTS == *2* ]]; then
: >"$OUT/scale.jsonl"
for r in $(seq 1 "$ROUNDS"); do
	pids=()
	for k in 1 2 3 4 5; do
		"$RUNEVAL" lifecycle --docker --json >"$tmp/at-once-$k.jsonl" 2>/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"	# not dockerd's
	cat "$tmp"/at-once-*.jsonl | sed 's/"provider":"docker"/"provider":"docker-5-at-once"/' >>"$OUT/scale.jsonl"
done
"$RUNEVAL" lifecycle --docker --json --repeat 20 >"$tmp/in-a-row.jsonl" 2>"$tmp/in-a-row.err"
sed 's/"provider":"docker"/"provider":"docker-20-in-a-row"/' "$tmp/in-a-row.jsonl" >>"$OUT/scale.jsonl"
python3 - "$OUT/scale.jsonl" <<'PY'
import json, sys
by = {}
for line in open(sys.argv[1]):
    s = json.loads(line)
    by.setdefault((s["provider"], s["phase"]), []).append(s["ms"])
def q(v, p):
    v = sorted(v); k = (len(v) - 1) * p; f = int(k)
    return v[f] + (v[min(f + 1, len(v) - 1)] - v[f]) * (k - f)
for prov in ("docker-5-at-once", "docker-20-in-a-row"):
    for ph, name in (("provision", "create->running"), ("teardown", "teardown")):
        v = by.get((prov, ph), [])
        if v:
            print(f"{prov:<19} {name:<16} n={len(v):<3} p50={q(v,.5):7.1f} ms  "
                  f"p95={q(v,.95):7.1f} ms  p99={q(v,.99):7.1f} ms")
PY
rss=$(grep -o 'RSS [0-9]* kB after sandbox 1, [0-9]* kB after sandbox 20' "$tmp/in-a-row.err" || true)
if [[ -n $rss ]]; then
	a=$(sed 's/RSS \([0-9]*\) kB.*/\1/' <<<"$rss")
	b=$(sed 's/.*, \([0-9]*\) kB after.*/\1/' <<<"$rss")
	echo "runeval RSS over 20 sandboxes in a row: $a kB after the first, $b kB after the 20th: growth $((b - a)) kB (target < 1024)"
fi

fi

# --- 3. snapshots against a cold create -----------------------------------
if [[ $PARTS == *3* ]]; then
: >"$OUT/snapshot.jsonl"
for i in $(seq 1 "$SNAPS"); do
	rm -rf "$tmp/snap"
	"$RUNEVAL" --docker --seeds 3 --sandboxes 3 --snapshot-after-install \
		--out "$tmp/snap" --no-progress -q || true
	python3 - "$tmp/snap/result.json" >>"$OUT/snapshot.jsonl" <<'PY'
import json, sys
boxes = {}
for s in json.load(open(sys.argv[1]))["spans"]:
    if s["phase"] == "snapshot":
        print(json.dumps({"provider": "docker", "phase": "snapshot",
                          "ms": s["ms"], "ok": s["ok"]}))
    elif s["phase"] in ("provision", "restore", "start"):
        boxes.setdefault(s["sandbox"], {})[s["phase"]] = s
for b in boxes.values():
    made = b.get("provision") or b.get("restore")
    if made and "start" in b:
        print(json.dumps({"provider": "docker", "phase": made["phase"],
                          "ms": made["ms"] + b["start"]["ms"],
                          "ok": made["ok"] and b["start"]["ok"]}))
PY
done
python3 - "$OUT/snapshot.jsonl" <<'PY'
import json, statistics as st, sys
by = {}
for line in open(sys.argv[1]):
    s = json.loads(line)
    if s["ok"]:
        by.setdefault(s["phase"], []).append(s["ms"])
cold = st.median(by["provision"]) if by.get("provision") else None
for ph, name in (("provision", "cold create + start"),
                 ("snapshot", "snapshot create (docker commit)"),
                 ("restore", "create from the snapshot + start")):
    v = by.get(ph)
    if v:
        m = st.median(v)
        print(f"{name:<32} n={len(v):<3} median {m:7.1f} ms"
              + (f"  ({m / cold:.2f}x the cold create)" if cold and ph != "provision" else ""))
PY
fi
"$RUNEVAL" report "$OUT"/*.jsonl --md "$OUT/report.md" >/dev/null || true
echo "containers left: $("$DOCKER" ps -aq | wc -l), snapshot images left: $("$DOCKER" images -q --filter label=runeval.job | wc -l)"
echo "samples: $OUT/*.jsonl, report: $OUT/report.md"
