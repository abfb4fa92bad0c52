/*
 * runeval --daytona end to end: build/runeval as a process against a
 * daytona-lite (real bubblewrap sandboxes) started by each test, with
 * faults injected by daytona-lite itself.  Every test ends by listing the
 * sandboxes through the API: none may be left.
 */
#include "testutil.h"
#include "lite_server.h"
#include "runeval_run.h"
#include "daytona_world.h"

#include "daytona_api.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_http.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The headline: the bundled task app, every phase timed. */
START_TEST(test_daytona_bundled_five_seeds)
{
	struct world w;
	struct rr *r;
	char *log;

	world_start(&w, NULL);
	r = sbx_run_headline(&w.sbx, "daytona", w.lite.api_url, &log);
	/* the app's output, followed over the WebSocket */
	ck_assert_msg(access(log, R_OK) == 0, "no %s", log);
	free(log);
	rr_free(r);
	world_stop(&w);
}
END_TEST

START_TEST(test_daytona_foreign_language_app)
{
	struct world w;
	struct rr *r = rr_new();
	const char *args[] = { "--daytona", "--seeds", "3", "--app", NULL,
			       "--start", "exec python3 app.py", NULL };

	world_start(&w, NULL);
	args[4] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	sbx_assert_ran_clean(&w.sbx, r, 0);
	ck_assert(fabs(rr_summary_num(r, "mean_reward") - 1.0) < 1e-9);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/*
 * A failing --setup: its whole output is in sandbox-<id>/setup.log, the
 * error quotes its last line whole (it was cut at 300 bytes, mid-word),
 * and the last lines follow the error.
 */
START_TEST(test_daytona_setup_failure_keeps_its_output)
{
	struct world w;
	struct rr *r = rr_new();
	const char *args[] = { "--daytona", "--seeds", "1", "--app", NULL,
			       "--start", "exec python3 app.py", "--setup",
			       "for i in $(seq 1 200); do echo \"pip: step $i "
			       "of the install\"; done; echo \"ERROR: could "
			       "not find a version that satisfies the "
			       "requirement definitely-not-a-package==1.0\"; "
			       "exit 7", NULL };
	char *cmd, *log;
	FILE *f;
	char path[512] = "";

	world_start(&w, NULL);
	args[4] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	sbx_assert_ran_clean(&w.sbx, r, 3);
	ck_assert_msg(strstr(r->stderr_text, "setup command") &&
		      strstr(r->stderr_text, "failed with exit 7") &&
		      strstr(r->stderr_text, "/setup.log): ERROR: could not "
			     "find a version that satisfies the requirement "
			     "definitely-not-a-package==1.0\n"),
		      "%s", r->stderr_text);
	/* the last lines follow, whole, one per line */
	ck_assert_msg(strstr(r->stderr_text, "\npip: step 200 of the "
			     "install\nERROR: could not"), "%s",
		      r->stderr_text);
	cmd = rv_xasprintf("ls '%s'/sandbox-*/setup.log", r->out);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(path, sizeof(path), f));
	pclose(f);
	path[strcspn(path, "\n")] = '\0';
	log = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert(strstr(log, "pip: step 1 of the install\n"));
	ck_assert(strstr(log, "pip: step 200 of the install\n"));
	ck_assert(strstr(log, "definitely-not-a-package==1.0\n"));
	free(log);
	free(cmd);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* 40 seeds over 4 sandboxes, pulled from one queue. */
START_TEST(test_daytona_forty_seeds_four_sandboxes)
{
	struct world w;
	struct rr *r = rr_new();
	const char *args[] = { "--daytona", "--seeds", "40", "--sandboxes",
			       "4", "--app", NULL, "--start",
			       "exec python3 app.py", NULL };
	json_t *rs, *it, *seen = json_object();
	size_t i;
	int provisions = 0;

	world_start(&w, NULL);
	args[6] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	sbx_assert_ran_clean(&w.sbx, r, 0);
	ck_assert_int_eq((int)rr_summary_num(r, "completed"), 40);
	rs = json_object_get(r->result, "rollouts");
	/* work stealing: every rollout names a sandbox that came up; how
	   many seeds each ran depends on who was free */
	json_array_foreach(json_object_get(r->result, "spans"), i, it)
		if (!strcmp(json_string_value(json_object_get(it, "phase")),
			    "health"))
			json_object_set_new(seen, json_string_value(
				json_object_get(it, "sandbox")), json_true());
	ck_assert_uint_eq(json_object_size(seen), 4);
	json_array_foreach(rs, i, it)
		ck_assert_ptr_nonnull(json_object_get(seen, json_string_value(
			json_object_get(it, "sandbox"))));
	json_array_foreach(json_object_get(r->result, "spans"), i, it)
		provisions += !strcmp(json_string_value(json_object_get(it,
				      "phase")), "provision");
	ck_assert_int_eq(provisions, 4);
	/* the shards, in order, with their names */
	rs = json_object_get(r->result, "sandboxes");
	ck_assert_uint_eq(json_array_size(rs), 4);
	json_array_foreach(rs, i, it) {
		const char *name = json_string_value(json_object_get(it, "name"));

		ck_assert_int_eq(json_integer_value(json_object_get(it, "shard")),
				 (json_int_t)i);
		ck_assert_msg(name && name[strlen(name) - 1] == (char)('0' + i),
			      "%s", name);
		ck_assert_ptr_nonnull(json_object_get(seen, json_string_value(
			json_object_get(it, "id"))));
	}
	json_decref(seen);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/*
 * The headline: an inference endpoint the sandbox cannot reach
 * (its loopback, where nothing listens) makes every rollout answer
 * network_error.  That is a broken pipeline, not "2/2 ok": exit 4, and
 * every output says so.
 */
START_TEST(test_daytona_unreachable_inference_is_a_pipeline_failure)
{
	struct world w;
	struct rr *r = rr_new();
	const char *args[] = { "--daytona", "--seeds", "2", "--policy", "llm",
			       "--inference-url", "http://127.0.0.1:9/v1", NULL };
	char *path, *text;

	world_start(&w, NULL);
	rr_run(r, args, w.sbx.env);
	sbx_assert_ran_clean(&w.sbx, r, 4);
	ck_assert_str_eq(json_string_value(json_object_get(rr_rollout(r, 0),
		"status")), "network_error");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
		json_object_get(json_object_get(r->result, "summary"), "eval"),
		"statuses"), "network_error")), 2);
	ck_assert_msg(strstr(r->stdout_text, "failed (exit 4): 2 of 2 rollouts "
			     "are pipeline failures (network_error 2)"), "%s",
		      r->stdout_text);
	ck_assert_ptr_null(strstr(r->stdout_text, "100.0%"));
	/* the renderings of the job say it too */
	path = rv_xasprintf("%s/junit.xml", r->out);
	text = tu_read_file(path, NULL);
	ck_assert_msg(text && strstr(text, "errors=\"2\""), "%s", text);
	free(text);
	free(path);
	path = rv_xasprintf("%s/report.md", r->out);
	text = tu_read_file(path, NULL);
	ck_assert_msg(text && strstr(text, "❌ **2 pipeline failures**"), "%s", text);
	free(text);
	free(path);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* No credentials: one clear error, nothing created. */
START_TEST(test_daytona_without_credentials)
{
	struct rr *r = rr_new();
	const char *args[] = { "--daytona", "--seeds", "1", NULL };
	const char *env[] = { "DAYTONA_API_KEY=", "DAYTONA_JWT_TOKEN=",
			      "DAYTONA_API_URL=", NULL };

	rr_run(r, args, env);
	ck_assert_int_eq(r->status, 2);
	ck_assert_ptr_nonnull(strstr(r->stderr_text, "DAYTONA_API_KEY"));
	ck_assert_ptr_nonnull(strstr(r->stderr_text, "DAYTONA_API_URL"));
	rr_free(r);
}
END_TEST

static bool log_has_status(json_t *span, long status)
{
	json_t *log = json_object_get(span, "attempt_log"), *a;
	size_t i;

	json_array_foreach(log, i, a)
		if (json_integer_value(json_object_get(a, "status")) == status)
			return true;
	return false;
}

/* 429s on create and 5xx anywhere: the job still runs to its end. */
START_TEST(test_daytona_survives_429_and_5xx)
{
	const char *faults[] = { "--fault-429-rate", "0.3",
		"--fault-5xx-rate", "0.1", "--fault-retry-after-s", "0",
		"--seed", "3", NULL };
	const char *args[] = { "--daytona", "--seeds", "6", "--sandboxes",
			       "2", "--app", NULL, "--start",
			       "exec python3 app.py", NULL };
	struct world w;
	struct rr *r = rr_new();
	json_t *spans, *s;
	bool saw_429 = false;
	size_t i;

	world_start(&w, faults);
	args[6] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	/* rollouts through the proxy may meet a 5xx; the job completes */
	ck_assert_msg(r->status == 0 || r->status == 1, "exit %d: %s",
		      r->status, r->stderr_text);
	ck_assert_uint_eq(json_array_size(json_object_get(r->result,
							  "rollouts")), 6);
	spans = json_object_get(r->result, "spans");
	json_array_foreach(spans, i, s) {
		if (strcmp(json_string_value(json_object_get(s, "phase")),
			   "provision"))
			continue;
		ck_assert(json_is_true(json_object_get(s, "ok")));
		ck_assert_int_eq(json_integer_value(json_object_get(s,
				 "attempts")), json_array_size(
				 json_object_get(s, "attempt_log")));
		saw_429 |= log_has_status(s, 429);
	}
	ck_assert_msg(saw_429, "no 429 recorded");
	ck_assert_uint_eq(world_left(&w), 0);
	rr_free(r);
	world_stop(&w);
}
END_TEST

START_TEST(test_daytona_error_state_is_clear_and_clean)
{
	const char *faults[] = { "--fault-error-rate", "1", NULL };
	const char *args[] = { "--daytona", "--seeds", "2", NULL };
	struct world w;
	struct rr *r = rr_new();

	world_start(&w, faults);
	rr_run(r, args, w.sbx.env);
	sbx_assert_ran_clean(&w.sbx, r, 3);
	ck_assert_msg(strstr(r->stderr_text, "provision") &&
		      strstr(r->stderr_text, "state 'error'"), "%s",
		      r->stderr_text);
	rr_free(r);
	world_stop(&w);
}
END_TEST

START_TEST(test_daytona_health_waits_out_preview_502)
{
	const char *faults[] = { "--fault-preview-502-ms", "2000", NULL };
	const char *args[] = { "--daytona", "--seeds", "2", "--app", NULL,
			       "--start", "exec python3 app.py", NULL };
	struct world w;
	struct rr *r = rr_new();
	json_t *h;

	world_start(&w, faults);
	args[4] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	sbx_assert_ran_clean(&w.sbx, r, 0);
	h = rr_first_span(r, "health");
	ck_assert_int_gt(json_integer_value(json_object_get(h, "attempts")),
			 3);
	/* the 502s last 2 s from the start; the wait ends soon after */
	ck_assert(json_number_value(json_object_get(h, "ms")) > 1000);
	ck_assert(json_number_value(json_object_get(h, "ms")) < 6000);
	rr_free(r);
	world_stop(&w);
}
END_TEST

START_TEST(test_daytona_stuck_sandbox_times_out)
{
	const char *faults[] = { "--fault-stuck-rate", "1",
				 "--create-wait-ms", "0", NULL };
	const char *args[] = { "--daytona", "--seeds", "1",
			       "--provision-timeout", "1.5", NULL };
	struct world w;
	struct rr *r = rr_new();
	json_t *p;

	world_start(&w, faults);
	rr_run(r, args, w.sbx.env);
	sbx_assert_ran_clean(&w.sbx, r, 3);
	ck_assert_msg(strstr(r->stderr_text, "not started after"), "%s",
		      r->stderr_text);
	p = rr_first_span(r, "provision");
	ck_assert(json_number_value(json_object_get(p, "ms")) >= 1500);
	ck_assert(log_has_status(rr_first_span(r, "provision"), 200));
	rr_free(r);
	world_stop(&w);
}
END_TEST

/*
 * SIGINT when runeval starts phase (its -v line), twice when asked: the
 * job stops, tears down, and exits 130 with nothing left.
 */
static void interrupt_during(const char *phase, const char *const *faults,
			     const char *delay, bool twice)
{
	const char *args[] = { "--daytona", "--seeds", "3", "-v", "--app",
			       NULL, "--start", NULL, NULL };
	char *start = rv_xasprintf("exec python3 app.py --rollout-delay %s",
				   delay);
	struct world w;

	world_start(&w, faults);
	args[5] = w.sbx.pyapp;
	args[7] = start;
	sbx_interrupt_during(&w.sbx, args, phase, 20000, twice);
	free(start);
	world_stop(&w);
}

START_TEST(test_daytona_sigint_during_provision)
{
	const char *slow[] = { "--fault-latency-ms", "500", NULL };

	interrupt_during("provision", slow, "0", true);
}
END_TEST

START_TEST(test_daytona_sigint_during_upload)
{
	const char *slow[] = { "--fault-latency-ms", "500", NULL };

	interrupt_during("upload", slow, "0", false);
}
END_TEST

START_TEST(test_daytona_sigint_during_rollouts)
{
	interrupt_during("rollouts", NULL, "3", false);
}
END_TEST

/* kill -9 in the middle of the rollouts, then `runeval reap`. */
START_TEST(test_daytona_kill9_then_reap)
{
	const char *args[] = { "--daytona", "--seeds", "4", "--sandboxes",
			       "2", "-v", "--app", NULL, "--start",
			       "exec python3 app.py --rollout-delay 5", NULL };
	struct world w;
	struct rr *r = rr_new();
	char *out, *empty;
	pid_t pid;

	world_start(&w, NULL);
	args[7] = w.sbx.pyapp;
	pid = rr_start(r, args, w.sbx.env);
	ck_assert(rr_wait_for_text(r->stderr_path, "debug: rollouts ...", 20000));
	usleep(200000);
	kill(pid, SIGKILL);
	rr_wait(r, pid, 10);
	ck_assert_int_eq(r->status, 128 + SIGKILL);
	ck_assert_uint_eq(world_left(&w), 2);
	ck_assert_int_eq(sbx_world_journals(&w.sbx), 1);
	/* what a job killed before its first create left, by an older
	   runeval that made its journal at once: an empty file */
	empty = rv_xasprintf("%s/jobs/20260101T000000Z-dead00.jsonl", w.sbx.state);
	fclose(fopen(empty, "w"));

	/* each sandbox is in the journal and listed by label: once each */
	ck_assert_int_eq(sbx_world_reap(&w.sbx, "--dry-run", NULL, &out), 0);
	ck_assert_msg(strstr(out, "would delete"), "%s", out);
	ck_assert_msg(strstr(out, "reap: 2 found, 0 deleted"), "%s", out);
	free(out);
	ck_assert_uint_eq(world_left(&w), 2);
	ck_assert_int_eq(access(empty, F_OK), 0);	/* a dry run */

	ck_assert_int_eq(sbx_world_reap(&w.sbx, NULL, NULL, &out), 0);
	ck_assert_msg(strstr(out, "reap: 2 found, 2 deleted"), "%s", out);
	ck_assert_msg(strstr(out, "removed ") && strstr(out, "dead00.jsonl"),
		      "%s", out);
	free(out);
	ck_assert_int_eq(access(empty, F_OK), -1);
	free(empty);
	ck_assert_uint_eq(world_left(&w), 0);
	ck_assert_int_eq(sbx_world_journals(&w.sbx), 0);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* The preview token of sandbox id, from the API. */
static char *preview_token(const struct world *w, const char *id)
{
	struct daytona_config cfg = { .api_url = w->lite.api_url,
				      .api_key = w->lite.api_key,
				      .no_env = true };
	struct daytona_client *c = daytona_client_new(&cfg, NULL);
	char *url = NULL, *token = NULL;

	ck_assert_int_eq(daytona_preview(c, id, 8000, NULL, &url, &token,
					 NULL), RV_OK);
	free(url);
	daytona_client_free(c);
	return token;
}

/* --keep leaves it up; the token is nowhere; reap --job deletes it. */
START_TEST(test_daytona_keep_then_reap_job)
{
	const char *args[] = { "--daytona", "--seeds", "1", "--keep", "--app",
			       NULL, "--start", "exec python3 app.py", NULL };
	struct world w;
	struct rr *r = rr_new();
	const char *id, *job;
	char *token, *out, *log, *logtext, *jobarg, *resfile;

	world_start(&w, NULL);
	args[5] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	ck_assert_msg(r->status == 0, "%s", r->stderr_text);
	ck_assert_ptr_nonnull(strstr(r->stderr_text, "kept"));
	/* a curl line that works once the variables are set: header names,
	   never a secret's value */
	ck_assert_msg(strstr(r->stderr_text, "\n  curl -H \"X-API-Key: "
			     "$ENVIRONMENT_API_KEY\" -H \"X-Daytona-Preview-"
			     "Token: $X_DAYTONA_PREVIEW_TOKEN\"") &&
		      strstr(r->stderr_text, "/health\n"), "%s",
		      r->stderr_text);
	ck_assert_uint_eq(world_left(&w), 1);
	id = json_string_value(json_object_get(rr_first_span(r, "health"),
					       "sandbox"));
	job = json_string_value(json_object_get(json_object_get(r->result,
							       "job"), "id"));
	token = preview_token(&w, id);
	ck_assert(strlen(token) >= 6);
	log = rv_xasprintf("%s/sandbox-%s/taskapp.log", r->out, id);
	logtext = tu_read_file(log, NULL);
	resfile = rv_xasprintf("%s/result.json", r->out);
	free(log);
	log = tu_read_file(resfile, NULL);
	ck_assert_ptr_null(strstr(log, token));
	ck_assert_ptr_null(strstr(r->stderr_text, token));
	ck_assert_ptr_null(strstr(r->stdout_text, token));
	ck_assert_ptr_null(logtext ? strstr(logtext, token) : NULL);

	/* a plain reap leaves a kept sandbox alone (journal and label: one
	   sandbox, counted once); --job names it */
	ck_assert_int_eq(sbx_world_reap(&w.sbx, NULL, NULL, &out), 0);
	ck_assert_msg(strstr(out, "reap: 1 found, 0 deleted, 0 already gone, "
			     "1 skipped"), "%s", out);
	free(out);
	ck_assert_uint_eq(world_left(&w), 1);
	jobarg = rv_xasprintf("--job=%s", job);
	ck_assert_int_eq(sbx_world_reap(&w.sbx, jobarg, NULL, &out), 0);
	ck_assert_msg(strstr(out, "1 deleted"), "%s", out);
	free(out);
	ck_assert_uint_eq(world_left(&w), 0);
	ck_assert_int_eq(sbx_world_journals(&w.sbx), 0);
	free(jobarg);
	free(resfile);
	free(log);
	free(logtext);
	free(token);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* `runeval lifecycle --daytona --json`: one span line per step. */
START_TEST(test_daytona_lifecycle_command)
{
	const char *args[] = { "--daytona", NULL };
	struct world w;

	world_start(&w, NULL);
	{
		const char *env[] = { w.sbx.env[0], w.sbx.env[1],
				      w.sbx.env_state, NULL };

		rr_assert_lifecycle(args, env, w.lite.dir);
	}
	ck_assert_uint_eq(world_left(&w), 0);
	world_stop(&w);
}
END_TEST

/* A wrong key, then nobody listening: quick, clear, no journal left. */
START_TEST(test_daytona_rejected_and_unreachable)
{
	const char *args[] = { "--daytona", "--seeds", "1", NULL };
	char url[80];
	struct world w;
	struct rr *r = rr_new();
	uint64_t t0;

	world_start(&w, NULL);
	w.sbx.env[1] = "DAYTONA_API_KEY=not-the-key";
	rr_run(r, args, w.sbx.env);
	sbx_assert_ran_clean(&w.sbx, r, 3);
	ck_assert_msg(strstr(r->stderr_text, "HTTP 401"), "%s",
		      r->stderr_text);
	rr_free(r);

	r = rr_new();
	snprintf(url, sizeof(url), "DAYTONA_API_URL=http://127.0.0.1:%d/api",
		 tu_free_port());
	w.sbx.env[0] = url;
	t0 = rv_now_ns();
	rr_run(r, args, w.sbx.env);
	ck_assert_int_eq(r->status, 3);
	ck_assert_uint_lt(rv_now_ns() - t0, 10 * RV_NS_PER_SEC);
	ck_assert_msg(strstr(r->stderr_text, "cannot create sandbox"), "%s",
		      r->stderr_text);
	ck_assert_int_eq(sbx_world_journals(&w.sbx), 0);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* Sandbox options are checked before anything starts. */
START_TEST(test_daytona_option_errors)
{
	static const char *const bad[][7] = {
		{ "--local", "--seeds", "1", "--sandboxes", "2", NULL },
		{ "--local", "--seeds", "1", "--keep", NULL },
		{ "--daytona", "--seeds", "1", "--snapshot", "a", "--image",
		  "b" },
		{ "--daytona", "--seeds", "1", "--sandboxes", "0", NULL },
		{ "--daytona", "--seeds", "1", "--sandboxes", "65", NULL },
		{ "--daytona", "--seeds", "4", "--sandboxes", "2", "--keep" },
		{ "--daytona", "--lite", "--seeds", "1", "--keep", NULL },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[8] = { 0 };
		struct rr *r = rr_new();

		memcpy(args, bad[i], sizeof(bad[i]));
		rr_run(r, args, NULL);
		ck_assert_msg(r->status == 2, "case %zu: exit %d", i, r->status);
		ck_assert_msg(strstr(r->stderr_text, "--"), "case %zu: %s", i,
			      r->stderr_text);
		rr_free(r);
	}
}
END_TEST

static Suite *daytona_suite(void)
{
	Suite *s = suite_create("daytona");
	TCase *tc = tcase_create("core");
	TCase *te = tcase_create("errors");
	TCase *tl = tcase_create("limits");

	tcase_set_timeout(tc, 120);
	tcase_set_timeout(te, 120);
	tcase_set_timeout(tl, 120);
	tcase_add_test(tc, test_daytona_bundled_five_seeds);
	tcase_add_test(tc, test_daytona_foreign_language_app);
	tcase_add_test(tc, test_daytona_forty_seeds_four_sandboxes);
	tcase_add_test(tc, test_daytona_unreachable_inference_is_a_pipeline_failure);
	tcase_add_test(tc, test_daytona_keep_then_reap_job);
	tcase_add_test(tc, test_daytona_lifecycle_command);
	tcase_add_test(te, test_daytona_without_credentials);
	tcase_add_test(te, test_daytona_option_errors);
	tcase_add_test(te, test_daytona_setup_failure_keeps_its_output);
	tcase_add_test(te, test_daytona_rejected_and_unreachable);
	tcase_add_test(te, test_daytona_survives_429_and_5xx);
	tcase_add_test(te, test_daytona_error_state_is_clear_and_clean);
	tcase_add_test(te, test_daytona_health_waits_out_preview_502);
	tcase_add_test(te, test_daytona_stuck_sandbox_times_out);
	tcase_add_test(tl, test_daytona_sigint_during_provision);
	tcase_add_test(tl, test_daytona_sigint_during_upload);
	tcase_add_test(tl, test_daytona_sigint_during_rollouts);
	tcase_add_test(tl, test_daytona_kill9_then_reap);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, te);
	suite_add_tcase(s, tl);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(daytona_suite()) ? 1 : 0;
}
