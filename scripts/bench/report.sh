#!/usr/bin/env bash
# The reporter on a million spans: `runeval report` (read + statistics)
# against the plain equivalent people write (python3: json.loads a line,
# group, sort, percentiles), on the same file, in the same run.
#
# Prints wall and CPU seconds for each, the ratio, and the machine; feeds
# its own timings back through `runeval report` (so the figures come with
# the reporter's statistics) and writes them under $OUT (default
# build/bench/report/).  Wall times and CPU times are two sample files
# reported apart ($OUT/wall/, $OUT/cpu/): one report over both would add
# a run's wall and CPU seconds together in its "fastest" sums.  N=... changes the number of spans, RUNS=... the
# repetitions.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$here/$BUILD
N=${N:-1000000}
RUNS=${RUNS:-3}
OUT=${OUT:-$BUILD/bench/report}
runeval=$BUILD/runeval
mkdir -p "$OUT"
samples=$OUT/wall.jsonl
cpu_samples=$OUT/cpu.jsonl
: >"$samples"
: >"$cpu_samples"

echo "machine: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"

# Two inputs: the four required fields plus seed and sandbox, and the same
# with every optional field (seed, ts, sandbox, attempts, error on failures).
spans=$OUT/spans-$N.jsonl
full=$OUT/spans-full-$N.jsonl
if [[ ! -s $spans || ! -s $full ]]; then
	python3 - "$N" "$spans" "$full" <<'PY'
import random, sys, time
n, path, full = int(sys.argv[1]), sys.argv[2], sys.argv[3]
random.seed(1)
provs = ["docker", "daytona", "e2b", "modal"]
phases = ["provision", "upload", "install", "start", "preview", "health",
          "rollout", "teardown"]
errors = ["timeout waiting for 'health'", "HTTP 503 from the sandbox API",
          "process exited with status 1"]
t0 = 1795000000.0
with open(path, "w") as f, open(full, "w") as g:
    for i in range(n):
        p = provs[i % 4]
        ms = random.lognormvariate(5, 0.5)
        ok = random.random() > 0.01
        f.write('{"provider":"%s","phase":"%s","ms":%.3f,"ok":%s,"seed":%d,'
                '"sandbox":"%s-%d"}\n' % (p, phases[(i // 4) % 8], ms,
                "true" if ok else "false", i, p, i // 32))
        t = t0 + i * 0.0137
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
             ".%03dZ" % (int(t * 1000) % 1000)
        err = "" if ok else ',"error":"%s"' % errors[i % 3]
        g.write('{"provider":"%s","phase":"%s","ms":%.3f,"ok":%s,"seed":%d,'
                '"ts":"%s","sandbox":"%s-%d","attempts":%d%s}\n'
                % (p, phases[(i // 4) % 8], ms, "true" if ok else "false", i,
                   ts, p, i // 32, 1 + (i % 17 == 0), err))
PY
fi
echo "input: $N spans, $(du -h "$spans" | cut -f1); with every optional field $(du -h "$full" | cut -f1)"

# The same statistics in plain python3 (percentiles as numpy's default).
plain=$OUT/plain.py
cat >"$plain" <<'PY'
import json, math, sys
groups = {}
with open(sys.argv[1]) as f:
    for line in f:
        s = json.loads(line)
        g = groups.setdefault((s["provider"], s["phase"]), [0, []])
        g[0] += 1
        if s["ok"]:
            g[1].append(s["ms"])
def q(v, p):
    h = (len(v) - 1) * p
    lo = math.floor(h)
    return v[lo] + (h - lo) * (v[min(lo + 1, len(v) - 1)] - v[lo])
for (prov, phase), (n, v) in sorted(groups.items()):
    v.sort()
    m = sum(v) / len(v)
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))
    med = q(v, 0.5)
    mad = q(sorted(abs(x - med) for x in v), 0.5)
    print(prov, phase, n, len(v), q(v, 0.5), q(v, 0.95), q(v, 0.99), m, sd, mad)
PY

# One timed run of "$@" on input $set: appends a span line for it; prints
# wall and cpu.
timed() {
	local who=$1 set=$2; shift 2
	/usr/bin/time -f '%e %U %S' -o "$OUT/time.txt" "$@" >/dev/null 2>&1
	read -r wall user sys <"$OUT/time.txt"
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	printf '{"provider":"%s","phase":"%s","ms":%s,"ok":true}\n' \
		"$who" "$set" "$(awk -v w="$wall" 'BEGIN { print w * 1000 }')" >>"$samples"
	printf '{"provider":"%s","phase":"%s","ms":%s,"ok":true}\n' \
		"$who" "$set" "$(awk -v c="$cpu" 'BEGIN { print c * 1000 }')" >>"$cpu_samples"
	echo "  $who $set: wall $wall s, cpu $cpu s"
}

for ((i = 1; i <= RUNS; i++)); do
	echo "run $i/$RUNS"
	for f in "$spans" "$full"; do
		set=$(basename "$f" .jsonl)
		timed runeval "$set" "$runeval" report "$f" --quiet
		timed python3 "$set" python3 "$plain" "$f"
	done
done
for f in "$spans" "$full"; do
	echo "$(basename "$f"):"
	"$runeval" report "$f" --quiet --timings 2>&1 | sed 's/^/  /'
done

echo
"$runeval" report "$samples" --out "$OUT/wall" >/dev/null
"$runeval" report "$cpu_samples" --out "$OUT/cpu" >/dev/null
python3 - "$OUT" "$N" <<'PY'
import json, sys
out, n = sys.argv[1], sys.argv[2]
p = {kind: json.load(open(f"{out}/{kind}/summary.json"))["providers"]
     for kind in ("wall", "cpu")}
def med(kind, who, what):
    return p[kind][who]["phases"][what]["p50"] / 1000
for set in ("spans-%s" % n, "spans-full-%s" % n):
    for kind in ("wall", "cpu"):
        r, py = med(kind, "runeval", set), med(kind, "python3", set)
        print("%s %s: runeval report %.3f s, python3 %.3f s: %.1fx faster "
              "(medians)" % (set, kind, r, py, py / r))
PY
