#!/usr/bin/env bash
# The overhead factor (fence's: sandboxed / unsandboxed) of bwrap,
# daytona-lite, e2b-lite and Docker against local, for the bundled task
# app, in one run: `runeval --provider local,bwrap,daytona,e2b,docker
# --lite` one provider at a time (so that they do not compete for the machine), then the
# combined report's overhead block.  Docker runs on a private dockerd
# started here as the tests start theirs (scripts/bench/dockerd_start.bash:
# its own socket, data and exec roots, no iptables, no forwarding, a
# bridge network on a private subnet), with the image imported from
# scripts/docker-image.sh's cache; without root or docker.io it is left
# out, and the run says so.  Local runs first; a second local job after
# the others shows how much the machine drifted over the run (a rollout
# factor below 1x is such drift, not a sandbox faster than the host).
# Everything stays on this machine.
# Env: BUILD (build), SEEDS (20), OUT (a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
RUNEVAL=${RUNEVAL:-$BUILD/runeval}
SEEDS=${SEEDS:-20}
OUT=${OUT:-$(mktemp -d /tmp/runeval-overhead.XXXXXX)}
mkdir -p "$OUT"
export RUNEVAL_STATE_DIR=${RUNEVAL_STATE_DIR:-$OUT/state}

source scripts/bench/dockerd_start.bash
engine=$(mktemp -d /tmp/runeval-overhead-dockerd.XXXXXX)
trap 'dockerd_stop; rm -rf "$engine"' EXIT

providers=local,bwrap,daytona,e2b
if dockerd_start "$engine" "rvo$(($$ % 100000))" &&
	bash scripts/docker-image.sh >/dev/null; then
	providers=$providers,docker
else
	echo "overhead: no private Docker engine here: docker is left out" >&2
fi
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "providers: $providers; $SEEDS seeds each, one provider at a time"
rm -rf "$OUT/run"
"$RUNEVAL" --provider "$providers" --lite --seeds "$SEEDS" \
	--one-provider-at-a-time --out "$OUT/run" --env-file /dev/null \
	>"$OUT/report.txt" 2>&1 || { cat "$OUT/report.txt"; exit 1; }
python3 - "$OUT/run/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
oh = s["comparison"]["overhead"]
phases = ["start", "preview", "health", "rollout", "teardown"]
print("overhead factor against local (p50 sandboxed / p50 local):")
print("%-10s" % "provider" + "".join("%11s" % p for p in phases))
for prov, f in oh["factors"].items():
    print("%-10s" % prov + "".join(
        "%10.2fx" % f[p] if f.get(p) is not None else "%11s" % "-"
        for p in phases))
PY
# the same with the p50s behind each factor
awk '/^### Overhead against local/ {on = 1; next}
	on && /^\|/ {print; t = 1; next} t {exit}' "$OUT/run/report.md"
# local ran first: run it again last, so that a drift of the machine
# between the first and the last provider shows next to the factors
rm -rf "$OUT/local-again"
"$RUNEVAL" --local --seeds "$SEEDS" --out "$OUT/local-again" -q \
	--env-file /dev/null >/dev/null 2>&1 || true
python3 - "$OUT/run" "$OUT/local-again/result.json" <<'PY'
import glob, json, statistics, sys
def p50(path, phase):
    v = [s["ms"] for s in json.load(open(path))["spans"]
         if s["phase"] == phase and s.get("ok")]
    return statistics.median(v) if v else float("nan")
first = [p for p in glob.glob(sys.argv[1] + "/**/result.json", recursive=True)
         if json.load(open(p))["environment"]["provider"] == "process"]
if first:
    a, b = p50(first[0], "rollout"), p50(sys.argv[2], "rollout")
    print(f"local again after the others: rollout p50 {b:.1f} ms, first "
          f"{a:.1f} ms ({b / a:.2f}x): the machine's drift over the run")
PY
echo "load at the end: $(cut -d" " -f1-3 /proc/loadavg)"
echo "report: $OUT/run/report.md"
