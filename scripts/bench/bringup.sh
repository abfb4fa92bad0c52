#!/usr/bin/env bash
# Bring-up benchmark: job start -> healthy for one sandbox with the bundled
# task app on a daytona-lite started here (loopback only), with a warm
# bundle cache (target p50 <= 150 ms), phase by phase, next to the floors
# under it measured in the same run on the same machine:
#
#   bwrap        a bare bubblewrap start (`bwrap --unshare-all ... true`):
#                what any namespace sandbox costs before it runs anything
#   unpack       the sandbox's own work on the upload, done on this host
#                the way the unpack script does it: `sha256sum -c` of the
#                same bundle beside `tar xzf` of it into a new directory
#   app start    the bundled task app on this host, from exec to its first
#                /health 200 (curl every millisecond)
#
# Also the bundle itself: its size, and the cold (first job: pack) and warm
# (cached) bundle phase.  Samples go to $OUT (default build/bench/bringup)
# as span lines (provider daytona-bringup; floors as provider floor) for
# `runeval report`.  Env: BUILD (build), RUNS (10).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-10}
OUT=${OUT:-$BUILD/bench/bringup}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
RUNEVAL=$BUILD/runeval
LITE=$BUILD/daytona-lite
BUNDLE=$BUILD/taskapp-bundle
[[ -x $RUNEVAL && -x $LITE && -x $BUNDLE/start.sh ]] || {
	echo "bringup.sh: build first: make all bundle" >&2
	exit 1
}
mkdir -p "$OUT"
tmp=$(mktemp -d /tmp/runeval-bench-bringup-XXXXXX)
lite_pid=
app_pid=
cleanup() {
	[[ -n $app_pid ]] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
	[[ -n $lite_pid ]] && kill "$lite_pid" 2>/dev/null && wait "$lite_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
now_ns() { date +%s%N; }

echo "machine: $(uname -srm), $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
key=bench-$RANDOM$RANDOM$RANDOM
source scripts/bench/lite_start.bash
lite_start "$tmp/state" "$key" "$tmp/lite.log"
lite_pid=$lite_started_pid url=$lite_started_url
export DAYTONA_API_URL=$url DAYTONA_API_KEY=$key RUNEVAL_STATE_DIR=$tmp/state-runeval
unset DAYTONA_JWT_TOKEN DAYTONA_ORGANIZATION_ID DAYTONA_TARGET

# the jobs: the first packs the bundle (cold), the others find it cached
for i in $(seq 0 "$RUNS"); do
	"$RUNEVAL" --daytona --seeds 1 --policy noop --out "$tmp/run$i" \
		--no-progress -q --env-file /dev/null || true
done
bundle_file=$(ls "$RUNEVAL_STATE_DIR"/bundles/bundle-*.tar.gz | head -1)

# --- the floors --------------------------------------------------------------
: >"$tmp/bwrap.ms"
: >"$tmp/unpack.ms"
: >"$tmp/appstart.ms"
sha=$(sha256sum "$bundle_file" | cut -c1-64)
for i in $(seq 1 "$RUNS"); do
	t0=$(now_ns)
	bwrap --unshare-all --ro-bind /usr /usr --symlink usr/bin /bin \
		--symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc \
		--dev /dev /bin/true
	t1=$(now_ns)
	echo $(((t1 - t0) / 1000)) >>"$tmp/bwrap.ms"
	rm -rf "$tmp/unpack" && mkdir -p "$tmp/unpack"
	t0=$(now_ns)
	echo "$sha  $bundle_file" | sha256sum -c --status &
	tar xzf "$bundle_file" -C "$tmp/unpack"
	wait $!
	t1=$(now_ns)
	echo $(((t1 - t0) / 1000)) >>"$tmp/unpack.ms"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	t0=$(now_ns)
	ENVIRONMENT_API_KEY=bench-key PORT=$port "$tmp/unpack/start.sh" \
		--host 127.0.0.1 >/dev/null 2>&1 &
	app_pid=$!
	until curl -fs -o /dev/null -H 'X-API-Key: bench-key' \
		"http://127.0.0.1:$port/health"; do
		sleep 0.001
	done
	t1=$(now_ns)
	echo $(((t1 - t0) / 1000)) >>"$tmp/appstart.ms"
	kill "$app_pid" && wait "$app_pid" 2>/dev/null || true
	app_pid=
done

python3 - "$tmp" "$RUNS" "$bundle_file" "$OUT/bringup.jsonl" <<'PY'
import json, os, statistics as st, sys
tmp, runs, bundle, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def us(name):
    return [int(l) / 1000.0 for l in open(f"{tmp}/{name}.ms") if l.strip()]
def p50(v):
    return st.median(v) if v else float("nan")
rows, spans = [], []
cold = None
for i in range(runs + 1):
    try:
        res = json.load(open(f"{tmp}/run{i}/result.json"))
    except OSError:
        continue
    sp = {s["phase"]: s for s in res["spans"] if s["seed"] is None}
    h = sp.get("health")
    if not h or not h["ok"]:
        continue
    r = {"healthy": h["start_ms"] + h["ms"]}
    for p in ("bundle", "provision", "upload", "install", "start",
              "preview", "health"):
        r[p] = sp[p]["ms"] if p in sp else 0.0
    for a in sp["upload"].get("attempt_log", []) if "upload" in sp else []:
        if a["op"].startswith("POST /files"):
            r["transfer"] = a["ms"]
        elif a["op"].startswith("POST /process"):
            r["unpack"] = a["ms"]
    if i == 0:
        cold = r
        continue
    rows.append(r)
    for k, v in r.items():
        spans.append({"provider": "daytona-bringup", "phase": k, "ms": v,
                      "ok": True})
floors = {"bwrap": us("bwrap"), "unpack": us("unpack"),
          "app start": us("appstart")}
for k, v in floors.items():
    for ms in v:
        spans.append({"provider": "floor", "phase": k, "ms": ms, "ok": True})
with open(out, "w") as f:
    for s in spans:
        f.write(json.dumps(s) + "\n")
size = os.path.getsize(bundle)
print(f"bundle: {size / 1e6:.2f} MB packed (target <= 5 MB: "
      f"{'met' if size <= 5e6 else 'MISSED'}); bundle phase cold "
      f"{cold['bundle'] if cold else float('nan'):.1f} ms (packed), warm p50 "
      f"{p50([r['bundle'] for r in rows]):.2f} ms (target <= 5 ms: "
      f"{'met' if p50([r['bundle'] for r in rows]) <= 5 else 'MISSED'})")
if not rows:
    raise SystemExit("no healthy run")
hp = p50([r["healthy"] for r in rows])
print(f"job start -> healthy, warm cache, p50 of {len(rows)}: {hp:.1f} ms "
      f"(target <= 150 ms: {'met' if hp <= 150 else 'MISSED'}); min "
      f"{min(r['healthy'] for r in rows):.1f}, max "
      f"{max(r['healthy'] for r in rows):.1f}")
for p in ("bundle", "provision", "upload", "transfer", "unpack", "install",
          "start", "preview", "health"):
    v = [r[p] for r in rows if p in r]
    if v:
        print(f"  {p:<10} p50 {p50(v):8.1f} ms")
fb, fu, fa = (p50(floors[k]) for k in ("bwrap", "unpack", "app start"))
print(f"floors measured in this run: bare bwrap {fb:.1f} ms, unpack on the "
      f"host {fu:.1f} ms, app exec -> first /health 200 on the host "
      f"{fa:.1f} ms; together {fb + fu + fa:.1f} ms of the {hp:.1f} ms")
print(f"  above the floors: provision - bwrap {p50([r['provision'] for r in rows]) - fb:.1f} ms "
      f"(daytona-lite's toolbox start), upload - unpack "
      f"{p50([r['upload'] for r in rows]) - fu:.1f} ms (transfer, the "
      f"execute round trip), start+preview+health - app start "
      f"{p50([r['start'] + r['preview'] + r['health'] for r in rows]) - fa:.1f} ms")
PY
echo "samples: $OUT/bringup.jsonl"
