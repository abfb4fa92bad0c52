#!/usr/bin/env bash
# Benchmark daytona-lite: create->started latency over N sandboxes, the
# exec round trip through the toolbox proxy, and concurrent creates.
# Compares create->started with a bare bubblewrap start measured in the
# same run on the same machine (the cost of the namespaces themselves):
# the difference is what daytona-lite adds (its state, the toolbox
# daemon's start, the ready handshake).  A cloud's published figure is
# measured elsewhere, on other hardware, and says nothing about this
# machine, so it is not a baseline here.  Samples go to $OUT/daytona-lite.jsonl
# as reporter spans ({"provider","phase","ms","ok"}); `runeval report`
# summarises them when it is available.
#
#   BUILD=build N=50 CONCURRENT=20 EXECS=200 bash scripts/bench/daytona-lite.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
N=${N:-50}
CONCURRENT=${CONCURRENT:-20}
EXECS=${EXECS:-200}
OUT=${OUT:-$BUILD/bench}
BIN=$BUILD/daytona-lite
mkdir -p "$OUT"
JSONL=$OUT/daytona-lite.jsonl
: >"$JSONL"

[[ -x $BIN ]] || { echo "daytona-lite: build it first (make)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "daytona-lite bench: needs python3" >&2; exit 1; }

tmp=$(mktemp -d /tmp/daytona-lite-bench-XXXXXX)
key=bench-$RANDOM$RANDOM
pid=
cleanup() {
	if [[ -n $pid ]]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

"$BIN" --listen 127.0.0.1:0 --state-dir "$tmp/state" --api-key "$key" \
	--quiet >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 500); do
	grep -q 'API at' "$tmp/out" 2>/dev/null && break
	sleep 0.01
done
url=$(sed -n 's/.*API at //p' "$tmp/out")
[[ -n $url ]] || { cat "$tmp/err" >&2; exit 1; }

echo "== daytona-lite benchmark"
echo "machine: $(nproc) cpu, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
	"kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "daytona-lite $("$BIN" --version | cut -d' ' -f2), $(bwrap --version)"

URL=$url KEY=$key N=$N CONCURRENT=$CONCURRENT EXECS=$EXECS JSONL=$JSONL \
	BWRAP=$(command -v bwrap) python3 - <<'PY'
import http.client, json, os, statistics, subprocess, threading, time
from urllib.parse import urlparse

u = urlparse(os.environ["URL"])
key = os.environ["KEY"]
H = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
jsonl = open(os.environ["JSONL"], "a")

def conn():
    return http.client.HTTPConnection(u.hostname, u.port, timeout=120)

def call(c, method, path, body=None):
    c.request(method, path, body=None if body is None else json.dumps(body),
              headers=H)
    r = c.getresponse()
    data = r.read()
    return r.status, json.loads(data) if data else None

def span(phase, ms, ok):
    jsonl.write(json.dumps({"provider": "daytona-lite", "phase": phase,
                            "ms": round(ms, 3), "ok": ok}) + "\n")

def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    f = int(k)
    return xs[f] + (xs[min(f + 1, len(xs) - 1)] - xs[f]) * (k - f)

def show(name, xs, unit="ms"):
    print(f"{name:34s} n={len(xs):<4d} p50={pct(xs, 50):7.2f} "
          f"p95={pct(xs, 95):7.2f} min={min(xs):7.2f} max={max(xs):7.2f} {unit}")

def create(c, samples, phase):
    t = time.perf_counter()
    st, sb = call(c, "POST", u.path + "/sandbox", {"labels": {"bench": "1"}})
    ms = (time.perf_counter() - t) * 1000
    ok = st == 200 and sb and sb.get("state") == "started"
    span(phase, ms, ok)
    samples.append(ms)
    return sb["id"] if st == 200 else None

def delete(c, sid):
    t = time.perf_counter()
    st, _ = call(c, "DELETE", f"{u.path}/sandbox/{sid}")
    span("teardown", (time.perf_counter() - t) * 1000, st == 200)
    return (time.perf_counter() - t) * 1000

n = int(os.environ["N"])
c = conn()

# the namespaces alone: bwrap with the same unshares, running true
bw = []
for _ in range(n):
    t = time.perf_counter()
    subprocess.run([os.environ["BWRAP"], "--unshare-all", "--ro-bind", "/usr",
                    "/usr", "--symlink", "usr/bin", "/bin", "--symlink",
                    "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                    "--proc", "/proc", "--dev", "/dev", "/bin/true"],
                   check=True)
    bw.append((time.perf_counter() - t) * 1000)
    jsonl.write(json.dumps({"provider": "bwrap", "phase": "provision",
                            "ms": round(bw[-1], 3), "ok": True}) + "\n")

created, ids, dels = [], [], []
for _ in range(n):
    ids.append(create(c, created, "provision"))
sid = ids[0]
execs = []
for _ in range(int(os.environ["EXECS"])):
    t = time.perf_counter()
    st, r = call(c, "POST", f"/toolbox/{sid}/process/execute",
                 {"command": "true"})
    ms = (time.perf_counter() - t) * 1000
    span("exec", ms, st == 200 and r.get("exitCode") == 0)
    execs.append(ms)
for i in ids:
    if i:
        dels.append(delete(c, i))

k = int(os.environ["CONCURRENT"])
conc, conc_ids = [], []
def worker():
    cc = conn()
    conc_ids.append(create(cc, conc, "provision_concurrent"))
threads = [threading.Thread(target=worker) for _ in range(k)]
t = time.perf_counter()
for th in threads: th.start()
for th in threads: th.join()
wall = (time.perf_counter() - t) * 1000
for i in conc_ids:
    if i:
        delete(c, i)

show("bwrap --unshare-all true", bw)
show("create->started (sequential)", created)
show("exec round trip (process/execute)", execs)
show("delete (until destroyed)", dels)
show(f"create->started ({k} concurrent)", conc)
print(f"{k} concurrent creates: all started in {wall:.1f} ms wall")
p50 = pct(created, 50)
print(f"baseline, measured in this run: bare bwrap p50 {pct(bw, 50):.2f} ms; "
      f"create p50 / bwrap p50 = {p50 / pct(bw, 50):.2f}x; daytona-lite "
      f"adds {p50 - pct(bw, 50):.2f} ms at p50 (state, toolbox start, ready)")
targets = [("create p50 <= 50 ms", p50 <= 50),
           ("create p95 <= 100 ms", pct(created, 95) <= 100),
           ("exec p50 <= 5 ms", pct(execs, 50) <= 5)]
print("targets: " + ", ".join(f"{t} {'met' if ok else 'MISSED'}" for t, ok in targets))
failed = sum(1 for x in ids + conc_ids if not x)
if failed:
    print(f"{failed} creates failed")
    raise SystemExit(1)
PY

echo "samples: $JSONL"
if "$BUILD/runeval" report --help >/dev/null 2>&1; then
	"$BUILD/runeval" report "$JSONL" || true
fi
