/*
 * runeval --e2b end to end: build/runeval as a process against an
 * e2b-lite (real bubblewrap sandboxes, the envd daemon in each) started
 * by each test, with faults injected by e2b-lite itself.  Every test
 * ends by listing the sandboxes through the API: none may be left.
 */
#include "testutil.h"
#include "lite_util.h"
#include "runeval_run.h"

#include "e2b_api.h"
#include "e2b_envd.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY "rv-e2b-test-environment-key-0123456789"

/* One test's world: an e2b-lite, a journal dir, runeval's env. */
struct world {
	struct tl_server lite;
	char *state;			/* RUNEVAL_STATE_DIR */
	char env_url[128], env_state[300];
	const char *env[8];
	char *pyapp;
	struct e2b_client *client;	/* to look behind runeval's back */
};

static void world_start(struct world *w, const char *const *lite_args)
{
	const char *args[16] = { "--quiet" };
	struct e2b_config cfg = { .api_key = TL_KEY, .no_env = true };
	size_t n = 1;

	memset(w, 0, sizeof(*w));
	for (; lite_args && *lite_args && n < 15; lite_args++)
		args[n++] = *lite_args;
	w->lite.prog = "e2b-lite";
	tl_start(&w->lite, args);
	w->state = rv_xasprintf("%s/runeval-state", w->lite.tmp);
	snprintf(w->env_url, sizeof(w->env_url), "E2B_API_URL=%s",
		 w->lite.base);
	snprintf(w->env_state, sizeof(w->env_state), "RUNEVAL_STATE_DIR=%s",
		 w->state);
	w->env[0] = w->env_url;
	w->env[1] = "E2B_API_KEY=" TL_KEY;
	w->env[2] = w->env_state;
	w->env[3] = "E2B_SANDBOX_URL=";
	w->env[4] = "E2B_DOMAIN=";
	w->env[5] = NULL;
	w->pyapp = rr_pyapp_dir();
	cfg.api_url = w->lite.base;
	w->client = e2b_client_new(&cfg, NULL);
	ck_assert_ptr_nonnull(w->client);
}

/* Sandboxes left on the server (any runeval job). */
static size_t world_left(const struct world *w)
{
	struct e2b_sandbox_info *v = NULL;
	struct rv_err err = RV_ERR_INIT;
	size_t n = 0;

	ck_assert_msg(e2b_list(w->client, "runeval.job", NULL, NULL, &v, &n,
			       &err) == RV_OK, "%s", err.msg);
	e2b_sandbox_list_free(v, n);
	return n;
}

static void world_stop(struct world *w)
{
	e2b_client_free(w->client);
	tl_free(&w->lite);
	free(w->state);
	free(w->pyapp);
}

/* Journal files left (one per job with live sandboxes). */
static int world_journals(const struct world *w)
{
	char *jobs = rv_xasprintf("%s/jobs", w->state);
	DIR *d = opendir(jobs);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	free(jobs);
	return n;
}

/* Nothing left on the server, nor in the journal. */
static void assert_ran_clean(const struct world *w, const struct rr *r,
			     int want_status)
{
	ck_assert_msg(r->status == want_status, "exit %d, want %d; stderr:\n%s",
		      r->status, want_status, r->stderr_text);
	ck_assert_ptr_nonnull(r->result);
	ck_assert_uint_eq(world_left(w), 0);
	ck_assert_int_eq(world_journals(w), 0);
}

static const char *span_sandbox(const struct rr *r, const char *phase)
{
	return json_string_value(json_object_get(rr_span(r, phase), "sandbox"));
}

/* The headline: the bundled task app, every phase timed. */
START_TEST(test_e2b_bundled_five_seeds)
{
	static const char *const phases[] = { "provision", "upload",
		"install", "start", "preview", "health", "rollouts",
		"rollout", "teardown" };
	const char *args[] = { "--e2b", "--seeds", "5", NULL };
	struct world w;
	struct rr *r = rr_new();
	json_t *env;
	char *log;

	world_start(&w, NULL);
	rr_run(r, args, w.env);
	assert_ran_clean(&w, r, 0);
	ck_assert(fabs(rr_summary(r, "mean_reward") - 1.0) < 1e-9);
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		json_t *s = rr_span(r, phases[i]);

		ck_assert_msg(s, "no '%s' span", phases[i]);
		ck_assert(json_is_true(json_object_get(s, "ok")));
		ck_assert_str_eq(rv_json_str(s, "provider"), "e2b");
	}
	ck_assert(rr_span_saw(rr_span(r, "provision"), 201));
	env = json_object_get(r->result, "environment");
	ck_assert_str_eq(rv_json_str(env, "mode"), "sandbox");
	ck_assert_str_eq(rv_json_str(env, "api_url"), w.lite.base);
	/* the app's output, followed on envd's stream */
	log = rv_xasprintf("%s/sandbox-%s/taskapp.log", r->out,
			   span_sandbox(r, "health"));
	ck_assert_msg(rr_wait_text(log, "taskapp: listening", 1000), "no %s",
		      log);
	free(log);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* 40 seeds over 4 sandboxes: each sandbox runs its share. */
START_TEST(test_e2b_forty_seeds_four_sandboxes)
{
	const char *args[] = { "--e2b", "--seeds", "40", "--sandboxes", "4",
			       "--app", NULL, "--start", "exec python3 app.py",
			       NULL };
	json_t *it, *seen = json_object();
	struct world w;
	struct rr *r = rr_new();
	int provisions = 0;
	size_t i;

	world_start(&w, NULL);
	args[6] = w.pyapp;
	rr_run(r, args, w.env);
	assert_ran_clean(&w, r, 0);
	ck_assert_int_eq((int)rr_summary(r, "completed"), 40);
	json_array_foreach(json_object_get(r->result, "rollouts"), i, it)
		json_object_set_new(seen, rv_json_str(it, "sandbox"),
				    json_true());
	ck_assert_uint_eq(json_object_size(seen), 4);
	json_array_foreach(json_object_get(r->result, "spans"), i, it)
		provisions += !strcmp(rv_json_str(it, "phase"), "provision");
	ck_assert_int_eq(provisions, 4);
	json_decref(seen);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* No credentials: one clear error, nothing created. */
START_TEST(test_e2b_without_credentials)
{
	const char *args[] = { "--e2b", "--seeds", "1", NULL };
	const char *env[] = { "E2B_API_KEY=", "E2B_API_URL=", NULL };
	struct rr *r = rr_new();

	rr_run(r, args, env);
	ck_assert_int_eq(r->status, 2);
	ck_assert_ptr_nonnull(strstr(r->stderr_text, "E2B_API_KEY"));
	ck_assert_ptr_nonnull(strstr(r->stderr_text, "E2B_API_URL"));
	rr_free(r);
}
END_TEST

/* 429s on create and 5xx anywhere: the job still runs to its end. */
START_TEST(test_e2b_survives_429_and_5xx)
{
	const char *faults[] = { "--fault-429-rate", "0.3",
		"--fault-5xx-rate", "0.1", "--fault-retry-after-s", "0",
		"--seed", "3", NULL };
	const char *args[] = { "--e2b", "--seeds", "6", "--sandboxes", "2",
			       "--app", NULL, "--start", "exec python3 app.py",
			       NULL };
	struct world w;
	struct rr *r = rr_new();
	bool saw_429 = false;
	json_t *s;
	size_t i;

	world_start(&w, faults);
	args[6] = w.pyapp;
	rr_run(r, args, w.env);
	/* rollouts through the proxy may meet a 5xx; the job completes */
	ck_assert_msg(r->status == 0 || r->status == 1, "exit %d: %s",
		      r->status, r->stderr_text);
	ck_assert_uint_eq(json_array_size(json_object_get(r->result,
							  "rollouts")), 6);
	json_array_foreach(json_object_get(r->result, "spans"), i, s) {
		if (strcmp(rv_json_str(s, "phase"), "provision"))
			continue;
		ck_assert(json_is_true(json_object_get(s, "ok")));
		saw_429 |= rr_span_saw(s, 429);
	}
	ck_assert_msg(saw_429, "no 429 recorded");
	ck_assert_uint_eq(world_left(&w), 0);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* A sandbox that fails to start, one that never starts: clear, clean. */
START_TEST(test_e2b_failed_and_stuck_creates)
{
	const char *error[] = { "--fault-error-rate", "1", NULL };
	const char *stuck[] = { "--fault-stuck-rate", "1", NULL };
	const char *args[] = { "--e2b", "--seeds", "2", NULL };
	const char *slow[] = { "--e2b", "--seeds", "1", "--provision-timeout",
			       "1.5", NULL };
	struct world w;
	struct rr *r = rr_new();
	json_t *p;

	world_start(&w, error);
	rr_run(r, args, w.env);
	assert_ran_clean(&w, r, 3);
	ck_assert_msg(strstr(r->stderr_text, "provision") &&
		      strstr(r->stderr_text, "fault-error-rate"), "%s",
		      r->stderr_text);
	rr_free(r);
	world_stop(&w);

	/* the create hangs; the client gives up and kills what it made */
	r = rr_new();
	world_start(&w, stuck);
	rr_run(r, slow, w.env);
	assert_ran_clean(&w, r, 3);
	ck_assert_msg(strstr(r->stderr_text, "timed out"), "%s",
		      r->stderr_text);
	p = rr_span(r, "provision");
	ck_assert(json_number_value(json_object_get(p, "ms")) >= 1500);
	ck_assert(json_number_value(json_object_get(p, "ms")) < 15000);
	rr_free(r);
	world_stop(&w);
}
END_TEST

START_TEST(test_e2b_health_waits_out_port_502)
{
	const char *faults[] = { "--fault-preview-502-ms", "2000", NULL };
	const char *args[] = { "--e2b", "--seeds", "2", "--app", NULL,
			       "--start", "exec python3 app.py", NULL };
	struct world w;
	struct rr *r = rr_new();
	json_t *h;

	world_start(&w, faults);
	args[4] = w.pyapp;
	rr_run(r, args, w.env);
	assert_ran_clean(&w, r, 0);
	h = rr_span(r, "health");
	ck_assert_int_gt(json_integer_value(json_object_get(h, "attempts")),
			 3);
	ck_assert(json_number_value(json_object_get(h, "ms")) > 1000);
	ck_assert(json_number_value(json_object_get(h, "ms")) < 6000);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* SIGINT at phase (twice when asked): teardown, exit 130, nothing left. */
static void interrupt_during(const char *phase, const char *const *faults,
			     const char *delay, bool twice)
{
	const char *args[] = { "--e2b", "--seeds", "3", "-v", "--app", NULL,
			       "--start", NULL, NULL };
	char *start = rv_xasprintf("exec python3 app.py --rollout-delay %s",
				   delay);
	struct world w;
	struct rr *r = rr_new();

	world_start(&w, faults);
	args[5] = w.pyapp;
	args[7] = start;
	rr_interrupt(r, args, w.env, phase, twice);
	assert_ran_clean(&w, r, 130);
	ck_assert_str_eq(rv_json_str(json_object_get(r->result, "job"),
				     "status"), "interrupted");
	free(start);
	rr_free(r);
	world_stop(&w);
}

START_TEST(test_e2b_sigint_during_provision)
{
	const char *slow[] = { "--fault-latency-ms", "500", NULL };

	interrupt_during("provision", slow, "0", true);
}
END_TEST

START_TEST(test_e2b_sigint_during_rollouts)
{
	interrupt_during("rollouts", NULL, "3", false);
}
END_TEST

/* `runeval reap ARGS` with the world's env. */
static int reap(const struct world *w, const char *a1, const char *a2,
		char **output)
{
	const char *const args[] = { "reap", a1, a2, NULL };

	return rr_command(args, w->env, output);
}

/* kill -9 in the middle of the rollouts, then `runeval reap`. */
START_TEST(test_e2b_kill9_then_reap)
{
	const char *args[] = { "--e2b", "--seeds", "4", "--sandboxes", "2",
			       "-v", "--app", NULL, "--start",
			       "exec python3 app.py --rollout-delay 5", NULL };
	struct world w;
	struct rr *r = rr_new();
	char *out;
	pid_t pid;

	world_start(&w, NULL);
	args[7] = w.pyapp;
	pid = rr_start(r, args, w.env);
	ck_assert(rr_wait_text(r->stderr_path, "debug: rollouts ...", 20000));
	usleep(200000);
	kill(pid, SIGKILL);
	rr_wait(r, pid, 10);
	ck_assert_int_eq(r->status, 128 + SIGKILL);
	ck_assert_uint_eq(world_left(&w), 2);
	ck_assert_int_eq(world_journals(&w), 1);
	ck_assert_int_eq(reap(&w, "--dry-run", NULL, &out), 0);
	ck_assert_msg(strstr(out, "reap: 2 found, 0 deleted"), "%s", out);
	free(out);
	ck_assert_uint_eq(world_left(&w), 2);
	ck_assert_int_eq(reap(&w, NULL, NULL, &out), 0);
	ck_assert_msg(strstr(out, "reap: 2 found, 2 deleted"), "%s", out);
	free(out);
	ck_assert_uint_eq(world_left(&w), 0);
	ck_assert_int_eq(world_journals(&w), 0);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* POST an RPC to envd of sandbox id (unary JSON); the answer's body. */
static char *envd_call(struct world *w, const struct e2b_sandbox_info *s,
		       const char *method, const char *body)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	char *tok = rv_xasprintf("X-Access-Token: %s", s->envd_token);
	char *sid = rv_xasprintf("E2b-Sandbox-Id: %s", s->id);
	const char *hdrs[] = { tok, sid, "E2b-Sandbox-Port: 49983",
			       "Content-Type: application/json", NULL };
	char *path = rv_xasprintf("/%s", method);
	char *out;

	ck_assert_int_eq(tl_req(&w->lite, "POST", path, hdrs, body, &resp),
			 200);
	out = rv_xstrdup(resp.body.data);
	rv_http_response_release(&resp);
	free(path);
	free(sid);
	free(tok);
	return out;
}

/*
 * --keep: the sandbox stays and its app runs with ENVIRONMENT_API_KEY,
 * which no record of E2B's shows (not the process list envd keeps, not
 * the sandbox's details) and which left no file behind; the sandbox's
 * tokens are in nothing runeval wrote.  reap --job deletes it.
 */
START_TEST(test_e2b_keep_hides_the_key_and_tokens)
{
	const char *args[] = { "--e2b", "--seeds", "1", "--keep", "--app", NULL,
			       "--start", "exec python3 app.py", NULL };
	const char *env[9];
	struct e2b_sandbox_info s = { 0 };
	struct world w;
	struct rr *r = rr_new();
	char *procs, *tmp, *detail, *log, *res, *out, *jobarg;
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	const char *id;

	world_start(&w, NULL);
	args[5] = w.pyapp;
	memcpy(env, w.env, 5 * sizeof(*env));
	env[5] = "ENVIRONMENT_API_KEY=" KEY;
	env[6] = NULL;
	rr_run(r, args, env);
	ck_assert_msg(r->status == 0, "%s", r->stderr_text);
	ck_assert(fabs(rr_summary(r, "mean_reward") - 1.0) < 1e-9);
	ck_assert_uint_eq(world_left(&w), 1);
	id = span_sandbox(r, "health");
	ck_assert_int_eq(e2b_get(w.client, id, NULL, &s, NULL), RV_OK);
	ck_assert_ptr_nonnull(s.envd_token);

	/* the app runs: its process, its arguments, no key anywhere */
	procs = envd_call(&w, &s, "process.Process/List", "{}");
	ck_assert_msg(strstr(procs, "app.py"), "%s", procs);
	ck_assert_msg(!strstr(procs, KEY), "the key in List: %s", procs);
	tmp = envd_call(&w, &s, "filesystem.Filesystem/ListDir",
			"{\"path\":\"/tmp\"}");
	ck_assert_msg(!strstr(tmp, ".runeval-env"), "left: %s", tmp);
	{
		const char *h[] = { "X-API-Key: " TL_KEY, NULL };
		char *p = rv_xasprintf("/sandboxes/%s", id);

		ck_assert_int_eq(tl_req(&w.lite, "GET", p, h, NULL, &resp),
				 200);
		detail = rv_xstrdup(resp.body.data);
		free(p);
	}
	ck_assert_msg(!strstr(detail, KEY), "%s", detail);

	/* runeval wrote none of the sandbox's tokens */
	log = rv_xasprintf("%s/sandbox-%s/taskapp.log", r->out, id);
	res = rv_xasprintf("%s/result.json", r->out);
	{
		const char *const files[] = { log, res, r->stdout_path,
					      r->stderr_path };

		for (size_t i = 0; i < 4; i++) {
			char *text = tu_read_file(files[i], NULL);

			ck_assert_msg(text, "no %s", files[i]);
			ck_assert_msg(!strstr(text, s.envd_token), "%s",
				      files[i]);
			ck_assert_msg(!s.traffic_token ||
				      !strstr(text, s.traffic_token), "%s",
				      files[i]);
			ck_assert_msg(!strstr(text, KEY), "%s", files[i]);
			free(text);
		}
	}

	/* a plain reap leaves a kept sandbox alone; --job names it */
	ck_assert_int_eq(reap(&w, NULL, NULL, &out), 0);
	free(out);
	ck_assert_uint_eq(world_left(&w), 1);
	jobarg = rv_xasprintf("--job=%s", rv_json_str(json_object_get(
		r->result, "job"), "id"));
	ck_assert_int_eq(reap(&w, jobarg, NULL, &out), 0);
	ck_assert_msg(strstr(out, "1 deleted"), "%s", out);
	free(out);
	ck_assert_uint_eq(world_left(&w), 0);
	rv_http_response_release(&resp);
	e2b_sandbox_info_release(&s);
	free(jobarg);
	free(procs);
	free(tmp);
	free(detail);
	free(log);
	free(res);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* `runeval lifecycle --e2b --json`: one span line per step. */
START_TEST(test_e2b_lifecycle_command)
{
	static const char *const steps[] = { "provision", "upload", "exec",
					     "preview", "teardown" };
	const char *const args[] = { "lifecycle", "--e2b", "--json", NULL };
	struct world w;
	char *text;
	int st;

	world_start(&w, NULL);
	st = rr_command(args, w.env, &text);
	ck_assert_msg(st == 0, "%s", text);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *want = rv_xasprintf("\"phase\":\"%s\",", steps[i]);

		ck_assert_msg(strstr(text, want), "no %s in %s", steps[i], text);
		free(want);
	}
	ck_assert_ptr_null(strstr(text, "\"ok\":false"));
	ck_assert_uint_eq(world_left(&w), 0);
	free(text);
	world_stop(&w);
}
END_TEST

/* A wrong key, then nobody listening: quick, clear, no journal left. */
START_TEST(test_e2b_rejected_and_unreachable)
{
	const char *args[] = { "--e2b", "--seeds", "1", NULL };
	char url[80];
	struct world w;
	struct rr *r = rr_new();
	uint64_t t0;

	world_start(&w, NULL);
	w.env[1] = "E2B_API_KEY=not-the-key";
	rr_run(r, args, w.env);
	assert_ran_clean(&w, r, 3);
	ck_assert_msg(strstr(r->stderr_text, "HTTP 401"), "%s",
		      r->stderr_text);
	rr_free(r);

	r = rr_new();
	snprintf(url, sizeof(url), "E2B_API_URL=http://127.0.0.1:%d",
		 tu_free_port());
	w.env[0] = url;
	t0 = rv_now_ns();
	rr_run(r, args, w.env);
	ck_assert_int_eq(r->status, 3);
	ck_assert_uint_lt(rv_now_ns() - t0, 10 * RV_NS_PER_SEC);
	ck_assert_msg(strstr(r->stderr_text, "cannot create sandbox"), "%s",
		      r->stderr_text);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* --- the client's envelope parser, on hostile streams ------------------ */

static void frame(struct rv_buf *b, unsigned char flags, const char *json)
{
	size_t n = strlen(json);
	unsigned char h[5] = { flags, (unsigned char)(n >> 24),
			       (unsigned char)(n >> 16),
			       (unsigned char)(n >> 8), (unsigned char)n };

	rv_buf_add(b, h, 5);
	rv_buf_add(b, json, n);
}

static void collect(const char *data, size_t len, void *arg)
{
	rv_buf_add(arg, data, len);
}

/* Feed b in pieces of step bytes. */
static void feed(const struct rv_buf *b, size_t step,
		 struct e2b_proc_events *ev)
{
	struct e2b_frames f = { RV_BUF_INIT, false };

	for (size_t off = 0; off < b->len; off += step)
		e2b_frames_feed(&f, b->data + off, b->len - off < step ?
				b->len - off : step, ev);
	e2b_frames_release(&f);
}

/*
 * A stream cut anywhere reads the same; nothing after the end counts (a
 * later "start" does not change the pid, later output is not output); a
 * pid that is not positive is no pid; a length beyond reason ends the
 * stream as malformed; errors and signals map to runeval's.
 */
START_TEST(test_e2b_frames_hostile)
{
	static const size_t steps[] = { 1, 2, 5, 7, 4096 };
	struct rv_buf b = RV_BUF_INIT, out = RV_BUF_INIT;
	struct e2b_proc_events ev;
	struct rv_err err = RV_ERR_INIT;

	frame(&b, 0, "{\"event\":{\"start\":{\"pid\":42}}}");
	frame(&b, 0, "{\"event\":{\"data\":{\"stdout\":\"aGk=\"}}}");
	frame(&b, 0, "{\"event\":{\"keepalive\":{}}}");
	frame(&b, 0, "{\"event\":{\"data\":{\"stderr\":\"ZXJy\"}}}");
	frame(&b, 0, "{\"event\":{\"end\":{\"exitCode\":3,"
	      "\"exited\":true,\"status\":\"exit status 3\"}}}");
	frame(&b, 0x02, "{}");
	frame(&b, 0, "{\"event\":{\"start\":{\"pid\":7}}}");
	frame(&b, 0, "{\"event\":{\"data\":{\"stdout\":\"bGF0ZQ==\"}}}");
	frame(&b, 0x02, "{\"error\":{\"code\":\"internal\"}}");
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		memset(&ev, 0, sizeof(ev));
		rv_buf_reset(&out);
		ev.output = collect;
		ev.arg = &out;
		feed(&b, steps[i], &ev);
		ck_assert_int_eq(ev.pid, 42);
		ck_assert_uint_eq(out.len, 5);
		ck_assert(!memcmp(out.data, "hierr", 5));
		ck_assert(ev.ended && ev.closed);
		ck_assert_int_eq(ev.exit_code, 3);
		ck_assert_str_eq(ev.error_code, "");
	}

	/* no positive pid; killed by a signal */
	rv_buf_reset(&b);
	frame(&b, 0, "{\"event\":{\"start\":{\"pid\":-5}}}");
	frame(&b, 0, "{\"event\":{\"start\":{\"pid\":4294967297}}}");
	frame(&b, 0, "{\"event\":{\"end\":{\"exited\":false,"
	      "\"status\":\"signal: killed\"}}}");
	memset(&ev, 0, sizeof(ev));
	feed(&b, 3, &ev);
	ck_assert_int_eq(ev.pid, 0);
	ck_assert_int_eq(ev.term_signal, SIGKILL);
	ck_assert_int_eq(ev.exit_code, 128 + SIGKILL);
	ck_assert(!ev.closed);
	ck_assert_int_eq(e2b_proc_error(&ev, "run", &err), RV_ERR_PROTO);

	/* a 4 GiB envelope, then JSON that is not: malformed, over */
	rv_buf_reset(&b);
	rv_buf_add(&b, "\x00\xff\xff\xff\xff{}", 7);
	memset(&ev, 0, sizeof(ev));
	feed(&b, 1, &ev);
	ck_assert(ev.closed);
	ck_assert_str_eq(ev.error_code, "internal");
	rv_buf_reset(&b);
	rv_buf_add(&b, "\x00\x00\x00\x00\x03{x}", 8);
	memset(&ev, 0, sizeof(ev));
	feed(&b, 4096, &ev);
	ck_assert(ev.closed);
	ck_assert_int_eq(e2b_proc_error(&ev, "run", &err), RV_ERR_PROVIDER);
	ck_assert_msg(strstr(err.msg, "malformed"), "%s", err.msg);

	/* the end with a deadline: a timeout */
	rv_buf_reset(&b);
	frame(&b, 0x02, "{\"error\":{\"code\":\"deadline_exceeded\","
	      "\"message\":\"too slow\"}}");
	memset(&ev, 0, sizeof(ev));
	feed(&b, 2, &ev);
	ck_assert_int_eq(e2b_proc_error(&ev, "run", &err), RV_ERR_TIMEOUT);
	ck_assert_msg(strstr(err.msg, "too slow"), "%s", err.msg);
	rv_buf_release(&b);
	rv_buf_release(&out);
}
END_TEST

static Suite *e2b_suite(void)
{
	Suite *s = suite_create("e2b");
	TCase *tc = tcase_create("core");
	TCase *te = tcase_create("errors");
	TCase *tl = tcase_create("limits");
	TCase *tf = tcase_create("frames");

	tcase_set_timeout(tc, 120);
	tcase_set_timeout(te, 120);
	tcase_set_timeout(tl, 120);
	tcase_add_test(tc, test_e2b_bundled_five_seeds);
	tcase_add_test(tc, test_e2b_forty_seeds_four_sandboxes);
	tcase_add_test(tc, test_e2b_keep_hides_the_key_and_tokens);
	tcase_add_test(tc, test_e2b_lifecycle_command);
	tcase_add_test(te, test_e2b_without_credentials);
	tcase_add_test(te, test_e2b_rejected_and_unreachable);
	tcase_add_test(te, test_e2b_survives_429_and_5xx);
	tcase_add_test(te, test_e2b_failed_and_stuck_creates);
	tcase_add_test(te, test_e2b_health_waits_out_port_502);
	tcase_add_test(tl, test_e2b_sigint_during_provision);
	tcase_add_test(tl, test_e2b_sigint_during_rollouts);
	tcase_add_test(tl, test_e2b_kill9_then_reap);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, te);
	suite_add_tcase(s, tl);
	tcase_add_test(tf, test_e2b_frames_hostile);
	suite_add_tcase(s, tf);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(e2b_suite()) ? 1 : 0;
}
