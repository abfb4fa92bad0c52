#!/usr/bin/env python3
"""A task app in Python (standard library only) for runeval's tests.

It speaks the task app contract (GET /health, POST /rollout with
X-API-Key) and can misbehave on purpose:

  --host H            listen on H (default 127.0.0.1)
  --port N            listen here (default: $PORT)
  --expect-key K      accept K instead of $ENVIRONMENT_API_KEY
  --never-healthy     /health answers 503 forever
  --healthy-after S   /health answers 502 for S seconds after listening
  --exit-at-start N   print a line and exit with status N
  --start-delay S     sleep S seconds before listening
  --fault SEED:KIND   KIND is 500, badjson, noreward, strreward, hang,
                      legacy (metrics.outcome_score), slow (sleep 0.3 s)
                      or die (exit 3 without an answer, once: see
                      --die-marker)
  --die-marker FILE   a 'die' fault fires only while FILE does not
                      exist, and makes it (so a restarted app lives)
  --rollout-delay S   every rollout takes S seconds
  --answer SEED:CODE:BODY
                      answer SEED with HTTP CODE and BODY verbatim
                      (@TCID@ in BODY becomes its trace_correlation_id)
  --banner TEXT       print TEXT (Python escapes such as \\u001b decoded)
                      at start, before --exit-at-start
  --leak              behave like an app that leaks: details echo the
                      whole environment, each rollout logs the first
                      15 characters of the key (as synth-ai's auth does),
                      and GET /info names the task and a policy after
                      the key and OPENAI_API_KEY
  --status SEED:STATUS[:DETAIL]
                      answer SEED with success_status STATUS (null: a JSON
                      null, 7: a number) and status_detail DETAIL
  --sequence SEED:R1,R2,...
                      the rewards of SEED's successive rollouts, in turn
  --task SEED:NAME[:DIFFICULTY]
                      details.task_name (and difficulty) of SEED
  --task-info         serve GET /info (name "pyapp tasks", version 9.9)
                      and GET /task_info (task "task-<seed mod 3>", with
                      difficulty easy/medium/hard), answers without names
"""
import argparse
import codecs
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "0")))
    p.add_argument("--expect-key", default=None)
    p.add_argument("--never-healthy", action="store_true")
    p.add_argument("--healthy-after", type=float, default=0.0)
    p.add_argument("--exit-at-start", type=int, default=None)
    p.add_argument("--start-delay", type=float, default=0.0)
    p.add_argument("--fault", action="append", default=[])
    p.add_argument("--rollout-delay", type=float, default=0.0)
    p.add_argument("--answer", action="append", default=[])
    p.add_argument("--banner", default=None)
    p.add_argument("--leak", action="store_true")
    p.add_argument("--status", action="append", default=[])
    p.add_argument("--sequence", action="append", default=[])
    p.add_argument("--task", action="append", default=[])
    p.add_argument("--task-info", action="store_true")
    p.add_argument("--die-marker", default=None)
    return p.parse_args()


ARGS = parse_args()
KEY = ARGS.expect_key or os.environ.get("ENVIRONMENT_API_KEY", "")
LISTEN_AT = 0.0
FAULTS = {}
for f in ARGS.fault:
    seed, kind = f.split(":", 1)
    FAULTS[int(seed)] = kind
SENDING = threading.Lock()   # one answer written at a time (see send)
ANSWERS = {}
for a in ARGS.answer:
    seed, code, body = a.split(":", 2)
    ANSWERS[int(seed)] = (int(code), body)
STATUS = {}
for a in ARGS.status:
    seed, rest = a.split(":", 1)
    status, _, detail = rest.partition(":")
    STATUS[int(seed)] = (None if status == "null" else 7 if status == "7"
                         else status, detail or None)
SEQUENCE = {}
for a in ARGS.sequence:
    seed, rest = a.split(":", 1)
    SEQUENCE[int(seed)] = [float(x) for x in rest.split(",")]
CALLS = {}
TASKS = {}
for a in ARGS.task:
    seed, rest = a.split(":", 1)
    name, _, difficulty = rest.partition(":")
    TASKS[int(seed)] = (name, difficulty or None)
DIFFICULTY = ["easy", "medium", "hard"]


def task_instance(seed):
    return {"task": {"id": "pyapp", "name": "pyapp tasks"},
            "dataset": {"id": "pyapp", "seed": seed},
            "task_metadata": {"seed": seed, "name": "task-%d" % (seed % 3),
                              "difficulty": DIFFICULTY[seed % 3]}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        sys.stderr.write("pyapp: " + (fmt % args) + "\n")

    def send(self, status, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        with SENDING:   # whole, or not at all: a 'die' waits for it
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def authorised(self):
        if not KEY:
            self.send(503, {"detail": {"error": {
                "code": "missing_environment_api_key",
                "message": "ENVIRONMENT_API_KEY is not configured"}}})
            return False
        if self.headers.get("X-API-Key") != KEY:
            self.send(400, {"detail": {"error": {
                "code": "unauthorised",
                "message": "API key missing or invalid"}}})
            return False
        return True

    def do_GET(self):
        if self.path == "/":
            return self.send(200, {"status": "ok", "service": "pyapp"})
        if not self.authorised():
            return
        if ARGS.leak and self.path == "/info":
            return self.send(200, {"service": {"task": {
                "id": "id-" + KEY,
                "name": "name " + os.environ.get("OPENAI_API_KEY", ""),
                "version": KEY}},
                "policies": ["reference", "noop", KEY]})
        if ARGS.task_info and self.path == "/info":
            return self.send(200, {"service": {
                "task": {"id": "pyapp", "name": "pyapp tasks"},
                "version": "9.9"}})
        if ARGS.task_info and self.path.startswith("/task_info?"):
            seeds = [int(kv.split("=", 1)[1])
                     for kv in self.path.split("?", 1)[1].split("&")
                     if kv.startswith("seed=")]
            inst = [task_instance(x) for x in seeds]
            return self.send(200, inst[0] if len(inst) == 1 else inst)
        if self.path == "/health":
            if ARGS.never_healthy:
                return self.send(503, {"healthy": False})
            if time.monotonic() < LISTEN_AT + ARGS.healthy_after:
                return self.send(502, b"Bad Gateway")
            return self.send(200, {"healthy": True})
        self.send(404, {"detail": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if not self.authorised():
            return
        if self.path != "/rollout":
            return self.send(404, {"detail": "not found"})
        t0 = time.monotonic()
        req = json.loads(raw)
        tcid = req["trace_correlation_id"]
        seed = req.get("env", {}).get("seed")
        policy = req.get("policy", {}).get("config", {}).get("policy")
        kind = FAULTS.get(seed)
        if ARGS.leak:
            sys.stderr.write("pyapp: auth ok, key %s...\n" % KEY[:15])
            sys.stderr.flush()
        if seed in ANSWERS:
            code, body = ANSWERS[seed]
            return self.send(code, body.replace("@TCID@", tcid).encode())
        if ARGS.rollout_delay:
            time.sleep(ARGS.rollout_delay)
        if kind == "die" and not (ARGS.die_marker and
                                  os.path.exists(ARGS.die_marker)):
            if ARGS.die_marker:
                open(ARGS.die_marker, "w").close()
            # never in the middle of another rollout's answer (a cut
            # answer is a failed rollout, not a dead app's retried one)
            SENDING.acquire()
            os._exit(3)
        if kind == "hang":
            time.sleep(3600)
        if kind == "slow":
            time.sleep(0.3)
        if kind == "500":
            return self.send(500, b"Internal Server Error")
        if kind == "badjson":
            return self.send(200, b'{"trace_correlation_id": "x", "reward_')
        if kind == "noreward":
            return self.send(200, {"trace_correlation_id": tcid,
                                   "reward_info": {"details": {}}})
        if kind == "strreward":
            return self.send(200, {"trace_correlation_id": tcid,
                                   "reward_info": {"outcome_reward": "1"}})
        reward = 0.0 if policy == "noop" else 1.0
        if seed in SEQUENCE:
            n = CALLS.get(seed, 0)
            CALLS[seed] = n + 1
            reward = SEQUENCE[seed][n % len(SEQUENCE[seed])]
        status, detail = STATUS.get(seed, ("success", None))
        details = {"seed": seed, "policy": policy,
                   "latency_ms": (time.monotonic() - t0) * 1000,
                   "env_name": req["env"].get("env_name"),
                   "config": req["env"].get("config"),
                   "policy_config": req.get("policy", {}).get("config")}
        if seed in TASKS:
            details["task_name"], details["difficulty"] = TASKS[seed]
        if ARGS.leak:
            details["environ"] = dict(os.environ)
        if kind == "legacy":
            return self.send(200, {"trace_correlation_id": tcid,
                                   "metrics": {"outcome_score": reward}})
        self.send(200, {
            "trace_correlation_id": tcid,
            "reward_info": {"outcome_reward": reward, "details": details},
            "success_status": status,
            "status_detail": detail,
        })


def main():
    if ARGS.banner is not None:
        print(codecs.decode(ARGS.banner, "unicode_escape"), flush=True)
    if ARGS.exit_at_start is not None:
        print("pyapp: cannot load the task set: /nonexistent/tasks.json",
              flush=True)
        sys.exit(ARGS.exit_at_start)
    time.sleep(ARGS.start_delay)
    ThreadingHTTPServer.request_queue_size = 128
    srv = ThreadingHTTPServer((ARGS.host, ARGS.port), Handler)
    srv.daemon_threads = True
    global LISTEN_AT
    LISTEN_AT = time.monotonic()
    print("pyapp: listening on http://%s:%d pid %d"
          % (ARGS.host, srv.server_port, os.getpid()), flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
