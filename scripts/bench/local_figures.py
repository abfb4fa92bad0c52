#!/usr/bin/env python3
"""Figures of scripts/bench/local.sh from its work directory.

usage: local_figures.py WORK RUNS SAMPLES HELP_KB APP...

For each APP (a subdirectory of WORK with walls, r<i>/result.json and
r<i>.listen from the listen() shim) print the wall-time ratio, the
readiness lag and runeval's overhead; then the peak RSS of WORK/big (1000
seeds) and WORK/one (1 seed).  Samples are appended to SAMPLES as JSON
lines spans ({"provider","phase","ms","ok"}) for the reporter.
"""
import json
import statistics
import sys

med = statistics.median


def verdict(ok):
    return "ok" if ok else "MISSED"


def shim_times(path):
    """(first exec, first listen) in epoch microseconds."""
    ev = {}
    for line in open(path):
        what, us, _pid = line.split()
        ev.setdefault(what, []).append(int(us))
    return min(ev["exec"]), min(ev["listen"])


def read_kb(path):
    """The last line of a /usr/bin/time -f %M file (KB)."""
    return int(open(path).read().split()[-1])


def read_time(path):
    """(peak RSS KB, CPU ms) from a /usr/bin/time -f '%M %U %S' file: the
    whole process, writing its outputs included."""
    kb, user, sys_ = open(path).read().split()[-3:]
    return int(kb), (float(user) + float(sys_)) * 1000.0


def ideal_makespan(rollouts, k):
    """The app's own rollout times (details.latency_ms) scheduled on k
    lanes in dispatch order: the rollouts phase with zero overhead."""
    lanes = [0.0] * k
    for r in sorted(rollouts, key=lambda r: r["seed"]):
        i = lanes.index(min(lanes))
        lanes[i] += r["details"]["latency_ms"]
    return max(lanes)


def report(work, name, runs, out):
    walls = {"shell": [], "shell_k": [], "runeval": []}
    for line in open(f"{work}/{name}/walls"):
        who, us = line.split()
        walls[who].append(int(us) / 1000.0)
    lags, over, e2e, cpu, cpu_job = [], [], [], [], []
    for i in range(1, runs + 1):
        res = json.load(open(f"{work}/{name}/r{i}/result.json"))
        t0 = res["job"]["started_unix_us"]
        span = {s["phase"]: s for s in res["spans"] if s["seed"] is None}
        h = span["health"]
        healthy_us = t0 + (h["start_ms"] + h["ms"]) * 1000
        exec_us, listen_us = shim_times(f"{work}/{name}/r{i}.listen")
        lags.append((healthy_us - listen_us) / 1000.0)
        ideal = ideal_makespan(res["rollouts"], res["config"]["concurrency"])
        over.append(span["rollouts"]["ms"] - ideal)
        app_start = (listen_us - exec_us) / 1000.0
        e2e.append(walls["runeval"][i - 1] - app_start - ideal -
                   span["teardown"]["ms"])
        cpu_job.append(res["job"]["cpu_ms"])
        cpu.append(read_time(f"{work}/{name}/r{i}.time")[1])
        n = len(res["rollouts"])
    for who, v in walls.items():
        for ms in v:
            out.append({"provider": f"{who}/{name}", "phase": "job", "ms": ms})
    for phase, v in (("readiness_lag", lags), ("overhead", over),
                     ("overhead_e2e", e2e), ("cpu", cpu),
                     ("cpu_job", cpu_job)):
        for ms in v:
            out.append({"provider": f"runeval/{name}", "phase": phase,
                        "ms": ms})
    ratio = med(walls["runeval"]) / med(walls["shell"])
    ratio_k = med(walls["runeval"]) / med(walls["shell_k"])
    k = res["config"]["concurrency"]
    print(f"[{name}] wall time, median of {runs}: runeval "
          f"{med(walls['runeval']):.1f} ms, shell {med(walls['shell']):.1f} ms;"
          f" ratio {ratio:.3f} (target <= 0.5: {verdict(ratio <= 0.5)})")
    print(f"[{name}]   shell with its rollouts at concurrency {k} too: "
          f"{med(walls['shell_k']):.1f} ms; ratio {ratio_k:.3f}")
    print(f"[{name}] readiness lag, listen() to the first 200: p50 "
          f"{med(lags):.3f} ms, min {min(lags):.3f}, max {max(lags):.3f} "
          f"(target p50 <= 2 ms: {verdict(med(lags) <= 2)})")
    print(f"[{name}] overhead beyond the app's rollout time ({n} seeds): p50 "
          f"{med(over):.2f} ms, min {min(over):.2f}, max {max(over):.2f} "
          f"(target <= 15 ms: {verdict(med(over) <= 15)})")
    print(f"[{name}]   (rollouts phase minus the app's own latency_ms on the "
          f"same {res['config']['concurrency']} lanes); end to end, with "
          f"runeval's own process start, spawn, readiness and results: p50 "
          f"{med(e2e):.1f} ms")
    print(f"[{name}] runeval CPU time p50: {med(cpu):.1f} ms for the whole "
          f"process (start, job, writing result.json and the reports, "
          f"exit); {med(cpu_job):.1f} ms for the job alone (result.json's "
          f"job.cpu_ms, before the outputs)")


def main():
    work, runs, samples, help_kb = sys.argv[1:5]
    runs, help_kb = int(runs), int(help_kb)
    out = []
    for name in sys.argv[5:]:
        report(work, name, runs, out)
    big = json.load(open(f"{work}/big/result.json"))
    rb = read_time(f"{work}/big.time")[0] / 1024.0
    ro = read_time(f"{work}/one.time")[0] / 1024.0
    floor = read_kb(f"{work}/floor.kb") / 1024.0
    print(f"peak RSS of the runeval process at 1000 seeds "
          f"({big['summary']['completed']} ok): {rb:.1f} MB (target <= 10 MB: "
          f"{verdict(rb <= 10)}); {ro:.1f} MB at 1 seed; growth 1 -> 1000 "
          f"seeds {rb - ro:.1f} MB")
    print(f"  floor: libcurl + jansson + libm and one request "
          f"(curl_floor.c): {floor:.1f} MB; runeval / floor {rb / floor:.2f},"
          f" runeval's own share {rb - floor:.1f} MB; 'runeval --help' "
          f"{help_kb / 1024:.1f} MB; heap at the end of the rollouts "
          f"{big['job']['rss_anon_kb'] / 1024.0:.1f} MB")
    with open(samples, "a") as f:
        for o in out:
            o["ok"] = True
            f.write(json.dumps(o) + "\n")


if __name__ == "__main__":
    main()
