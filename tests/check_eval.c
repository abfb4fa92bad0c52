/*
 * The eval's outcome end to end: build/runeval --local against the Python
 * test app answering every kind of success_status, every reward spelling,
 * odd rewards, task names (in details and from /task_info), tokens and
 * epochs; what result.json, the console and the exit code say.
 */
#include "testutil.h"

#include "runeval_run.h"
#include "rv_alloc.h"
#include "rv_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static char *pyapp;

static void setup(void)
{
	pyapp = rr_pyapp_dir();
}

static void teardown(void)
{
	free(pyapp);
}

/* runeval --local --app pyapp --start "exec python3 app.py EXTRA" ARGS */
static int run_app(struct rr *r, const char *extra, const char *const *args)
{
	const char *argv[32] = { "--local", "--app", pyapp, "--start" };
	char *start = rv_xasprintf("exec python3 app.py %s", extra);
	size_t n = 4;
	int rc;

	argv[n++] = start;
	for (; args && *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	rc = rr_run(r, argv, NULL);
	free(start);
	return rc;
}

static json_t *eval_of(const struct rr *r)
{
	return rv_json_path(r->result, "summary.eval");
}

static const char *rstr(const struct rr *r, long seed, const char *key)
{
	return rv_json_str(rr_rollout(r, seed), key);
}

/* The record of seed's epoch. */
static json_t *rollout_at(const struct rr *r, long seed, long epoch)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(r->result, "rollouts"), i, v)
		if (rv_json_int(v, "seed", -1) == seed &&
		    rv_json_int(v, "epoch", -1) == epoch)
			return v;
	return NULL;
}

static void assert_near(double got, double want, const char *what)
{
	ck_assert_msg(fabs(got - want) <= 1e-9 * fmax(1, fabs(want)),
		      "%s: got %.17g, want %.17g", what, got, want);
}

#define STATUSES "--status 1:timeout:slow --status '2:network_error:cannot " \
	"reach' --status 3:apply_failed --status 4:runtime_error --status " \
	"5:failure --status 6:null --status 7:7"

START_TEST(test_every_status_is_counted_and_fails_the_job)
{
	struct rr *r = rr_new();
	const char *args[] = { "--seeds", "8", NULL };
	static const char *const want[][2] = {
		{ "0", "success" }, { "1", "timeout" }, { "2", "network_error" },
		{ "3", "apply_failed" }, { "4", "runtime_error" },
		{ "5", "failure" }, { "6", "success" },
		{ "7", "invalid_status" },
	};
	json_t *e;

	ck_assert_int_eq(run_app(r, STATUSES, args), 4);
	for (long s = 0; s < 8; s++) {
		ck_assert_str_eq(rstr(r, s, "status"), want[s][1]);
		ck_assert_str_eq(rstr(r, s, "outcome"), s == 0 || s == 6 ? "ok" :
				 "pipeline_failure");
		ck_assert_str_eq(rstr(r, s, "transport"), "ok");
	}
	ck_assert_str_eq(rstr(r, 2, "status_detail"), "cannot reach");
	e = eval_of(r);
	ck_assert_int_eq(rv_json_int(e, "pipeline_failures", -1), 6);
	ck_assert_int_eq(rv_json_int(e, "ok", -1), 2);
	ck_assert_int_eq(rv_json_int(e, "statuses.success", -1), 2);
	ck_assert_int_eq(rv_json_int(e, "statuses.network_error", -1), 1);
	ck_assert_int_eq(rv_json_int(e, "statuses.invalid_status", -1), 1);
	ck_assert_int_eq(rv_json_int(r->result, "summary.pipeline_failures", -1), 6);
	ck_assert_int_eq(rv_json_int(r->result, "job.exit_code", -1), 4);
	ck_assert_msg(strstr(rv_json_str(r->result, "job.error"),
			     "6 of 8 rollouts are pipeline failures"), "%s",
		      rv_json_str(r->result, "job.error"));
	/* the console's table and its last line say it */
	ck_assert_msg(strstr(r->stdout_text, "PIPELINE") &&
		      strstr(r->stdout_text, "network_error") &&
		      strstr(r->stdout_text, "cannot reach"), "%s", r->stdout_text);
	ck_assert_msg(strstr(r->stdout_text, "failed (exit 4): 6 of 8 rollouts "
			     "are pipeline failures"), "%s", r->stdout_text);
	rr_free(r);
}
END_TEST

START_TEST(test_allowed_statuses_pass_and_transport_failures_exit_1)
{
	struct rr *r = rr_new(), *t = rr_new(), *both = rr_new();
	const char *allow[] = { "--seeds", "8", "--allow-status",
		"timeout,network_error,apply_failed,runtime_error,failure,"
		"invalid_status", NULL };
	const char *plain[] = { "--seeds", "3", NULL };

	ck_assert_int_eq(run_app(r, STATUSES, allow), 0);
	ck_assert_str_eq(rstr(r, 2, "outcome"), "ok");
	ck_assert_int_eq(rv_json_int(eval_of(r), "statuses.network_error", -1), 1);
	ck_assert_int_eq(rv_json_int(r->result, "config.allow_status", -1), -1);
	ck_assert_uint_eq(json_array_size(rv_json_path(r->result,
		"config.allow_status")), 6);
	/* a transport failure alone is exit 1; with a pipeline failure, 4 */
	ck_assert_int_eq(run_app(t, "--fault 1:500", plain), 1);
	ck_assert_str_eq(rstr(t, 1, "transport"), "http_error");
	ck_assert_str_eq(rstr(t, 1, "outcome"), "transport_failure");
	ck_assert_int_eq(run_app(both, "--fault 1:500 --status 2:failure",
				 plain), 4);
	ck_assert_msg(strstr(rv_json_str(both->result, "job.error"),
			     "1 of 3 rollouts is a pipeline failure (failure 1); "
			     "1 of 3 rollouts failed (http_error 1)"), "%s",
		      rv_json_str(both->result, "job.error"));
	rr_free(r);
	rr_free(t);
	rr_free(both);
}
END_TEST

/* Seed s answers body (a JSON object text, @TCID@ echoed). */
static char *answer(long s, const char *body)
{
	return rv_xasprintf("--answer '%ld:200:{\"trace_correlation_id\":"
			    "\"@TCID@\",%s}'", s, body);
}

START_TEST(test_every_reward_spelling_is_read_in_order)
{
	static const char *const bodies[] = {
		"\"reward_info\":{\"outcome_reward\":0.25,\"outcome_objectives\":{\"reward\":0.9}}",
		"\"reward_info\":{\"outcome_objectives\":{\"reward\":0.5}}",
		"\"metrics\":{\"outcome_reward\":0.75}",
		"\"metrics\":{\"outcome_objectives\":{\"reward\":0.125}}",
		"\"metrics\":{\"outcome_score\":1}",
		"\"metrics\":{\"reward_mean\":0.375}",
		"\"metrics\":{\"episode_returns\":[2],\"mean_return\":2,\"num_steps\":1}",
	};
	static const struct { double reward; const char *source; } want[] = {
		{ 0.25, "reward_info.outcome_reward" },
		{ 0.5, "reward_info.outcome_objectives.reward" },
		{ 0.75, "metrics.outcome_reward" },
		{ 0.125, "metrics.outcome_objectives.reward" },
		{ 1, "metrics.outcome_score" },
		{ 0.375, "metrics.reward_mean" },
		{ 2, "metrics.mean_return" },
	};
	struct rr *r = rr_new();
	const char *args[] = { "--seeds", "7", NULL };
	char *extra = rv_xstrdup("");

	for (long s = 0; s < 7; s++) {
		char *a = answer(s, bodies[s]), *x = rv_xasprintf("%s %s", extra, a);

		free(extra);
		free(a);
		extra = x;
	}
	ck_assert_int_eq(run_app(r, extra, args), 0);
	for (long s = 0; s < 7; s++) {
		assert_near(json_number_value(json_object_get(rr_rollout(r, s),
			"reward")), want[s].reward, want[s].source);
		ck_assert_str_eq(rstr(r, s, "reward_source"), want[s].source);
	}
	free(extra);
	rr_free(r);
}
END_TEST

START_TEST(test_odd_rewards_threshold_tasks_and_tokens)
{
	struct rr *r = rr_new();
	const char *args[] = { "--seeds", "5", "--pass-threshold", "0.5", NULL };
	char *extra = rv_xasprintf(
		"--task '0:sum of an array:easy' --task '1:sum of an array:easy' "
		"--task '2:edit distance:hard' --sequence 0:-1 --sequence 1:0.333 "
		"--sequence 2:1e9 --sequence 3:1e-9 --sequence 4:0.5 %s",
		"--answer '4:200:{\"trace_correlation_id\":\"@TCID@\","
		"\"reward_info\":{\"outcome_reward\":0.5,\"details\":{"
		"\"task_name\":\"\\u001b[2Jx\",\"usage\":{\"prompt_tokens\":100,"
		"\"completion_tokens\":23}}}}'");
	json_t *e, *tasks;

	ck_assert_int_eq(run_app(r, extra, args), 0);
	e = eval_of(r);
	/* mean of -1, 0.333, 1e9, 1e-9, 0.5 */
	assert_near(json_number_value(json_object_get(e, "mean_reward")),
		    (-1 + 0.333 + 1e9 + 1e-9 + 0.5) / 5, "mean");
	ck_assert_int_eq(rv_json_int(e, "passed", -1), 2);	/* 1e9, 0.5 */
	assert_near(json_number_value(json_object_get(e, "pass_rate")), 0.4,
		    "pass rate");
	ck_assert(json_is_true(json_object_get(rr_rollout(r, 4), "passed")));
	ck_assert(json_is_false(json_object_get(rr_rollout(r, 1), "passed")));
	tasks = json_object_get(e, "tasks");
	ck_assert_uint_eq(json_array_size(tasks), 3);
	ck_assert_str_eq(rstr(r, 0, "task"), "sum of an array");
	ck_assert_str_eq(rstr(r, 2, "difficulty"), "hard");
	ck_assert_int_eq(rv_json_int(e, "tokens.total", -1), 123);
	ck_assert_int_eq(rv_json_int(rr_rollout(r, 4), "tokens.prompt", -1), 100);
	/* a task name with an escape sequence reaches no terminal as one */
	ck_assert_ptr_null(strstr(r->stdout_text, "\x1b["));
	ck_assert_msg(strstr(r->stdout_text, "\\x1b[2Jx"), "%s", r->stdout_text);
	ck_assert_msg(strstr(r->stdout_text, "pass rate 40.0% (2 of 5 with "
			     "reward >= 0.5)"), "%s", r->stdout_text);
	free(extra);
	rr_free(r);
}
END_TEST

START_TEST(test_task_info_and_app_identity)
{
	struct rr *r = rr_new();
	const char *args[] = { "--seeds", "6", NULL };
	json_t *e, *sum;
	char *path;

	ck_assert_int_eq(run_app(r, "--task-info --task 5:own:easy", args), 0);
	/* the app's GET /info, read at bring-up, names the eval */
	ck_assert_str_eq(rv_json_str(r->result, "environment.task_app.name"),
			 "pyapp tasks");
	ck_assert_str_eq(rv_json_str(r->result,
				     "environment.task_app.version"), "9.9");
	path = rv_xasprintf("%s/summary.json", r->out);
	sum = json_load_file(path, 0, NULL);
	ck_assert_ptr_nonnull(sum);
	e = json_array_get(rv_json_path(sum, "eval.groups"), 0);
	ck_assert_str_eq(rv_json_str(e, "app"), "pyapp tasks");
	ck_assert_str_eq(rv_json_str(e, "app_version"), "9.9");
	json_decref(sum);
	free(path);
	ck_assert_str_eq(rstr(r, 4, "task"), "task-1");
	ck_assert_str_eq(rstr(r, 4, "difficulty"), "medium");
	ck_assert_str_eq(rstr(r, 5, "task"), "own");	/* details win */
	e = eval_of(r);
	ck_assert_uint_eq(json_array_size(json_object_get(e, "tasks")), 4);
	ck_assert_int_eq(rv_json_int(json_array_get(json_object_get(e,
		"difficulties"), 0), "rollouts", -1), 3);	/* easy: 0, 3, 5 */
	rr_free(r);
}
END_TEST

START_TEST(test_epochs_and_pass_at_k)
{
	struct rr *r = rr_new(), *rep = rr_new();
	const char *args[] = { "--seeds", "3", "--epochs", "4", NULL };
	const char *repeat[] = { "--seed-list", "5,5,6", "--epochs", "1", NULL };
	json_t *e;

	/* seed 0 passes 2 of 4 epochs, seed 1 1 of 4, seed 2 none */
	ck_assert_int_eq(run_app(r, "--sequence 0:1,0,1,0 --sequence 1:0,0,0,1 "
				 "--sequence 2:0", args), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(r->result, "rollouts")), 12);
	for (long s = 0; s < 3; s++)
		for (long ep = 1; ep <= 4; ep++)
			ck_assert_msg(rollout_at(r, s, ep), "seed %ld epoch %ld", s, ep);
	e = eval_of(r);
	ck_assert_int_eq(rv_json_int(e, "epochs", -1), 4);
	ck_assert_int_eq(rv_json_int(e, "seeds", -1), 3);
	ck_assert_int_eq(rv_json_int(r->result, "config.epochs", -1), 4);
	/* pass@k = mean over seeds of 1 - C(4 - c, k) / C(4, k), c = 2, 1, 0 */
	assert_near(json_number_value(rv_json_path(e, "pass_at_k.1")),
		    (0.5 + 0.25 + 0) / 3, "pass@1");
	assert_near(json_number_value(rv_json_path(e, "pass_at_k.2")),
		    ((1 - 1.0 / 6) + (1 - 3.0 / 6) + 0) / 3, "pass@2");
	assert_near(json_number_value(rv_json_path(e, "pass_at_k.3")),
		    (1 + (1 - 1.0 / 4) + 0) / 3, "pass@3");
	assert_near(json_number_value(rv_json_path(e, "pass_at_k.4")),
		    (1 + 1 + 0) / 3.0, "pass@4");
	/* the per-seed means across epochs */
	assert_near(json_number_value(json_object_get(json_array_get(
		json_object_get(e, "per_seed"), 0), "mean_reward")), 0.5, "seed 0");
	ck_assert_msg(strstr(r->stdout_text, "pass@4 0.667"), "%s", r->stdout_text);
	/* repeated seeds need --epochs; each repeat is one more epoch */
	ck_assert_int_eq(run_app(rep, "", repeat), 0);
	ck_assert_ptr_nonnull(rollout_at(rep, 5, 1));
	ck_assert_ptr_nonnull(rollout_at(rep, 5, 2));
	ck_assert_ptr_nonnull(rollout_at(rep, 6, 1));
	rr_free(r);
	rr_free(rep);
}
END_TEST

START_TEST(test_quiet_prints_failures_and_the_outcome)
{
	struct rr *r = rr_new();
	const char *args[] = { "--seeds", "4", "-q", NULL };

	ck_assert_int_eq(run_app(r, "--status '2:network_error:no route' "
				 "--fault 3:500", args), 4);
	ck_assert_msg(strstr(r->stdout_text, "seed 2: PIPELINE network_error: "
			     "no route\n") &&
		      strstr(r->stdout_text, "seed 3: FAILED http_error: HTTP 500"),
		      "%s", r->stdout_text);
	ck_assert_ptr_null(strstr(r->stdout_text, "seed 0"));
	ck_assert_msg(strstr(r->stdout_text, "failed (exit 4): 1 of 4 rollouts "
			     "is a pipeline failure (network_error 1); 1 of 4 "
			     "rollouts failed (http_error 1); mean reward 1.000, "
			     "pass rate 75.0% (3 of 4)\n"), "%s", r->stdout_text);
	ck_assert_str_eq(r->stderr_text, "");
	rr_free(r);
}
END_TEST

/*
 * Epochs survive a resume: the seed log keys records by seed and epoch,
 * and the resume runs the job with the same --epochs and repeats.  The
 * app dies once (no replacement) on seed 1; the resume finishes the job,
 * every seed and epoch once, the ones done before not run again.
 */
START_TEST(test_epochs_survive_a_resume)
{
	struct rr *r = rr_new();
	char *marker = rv_xasprintf("%s/died", r->dir);
	char *extra = rv_xasprintf("--fault 1:die --die-marker %s", marker);
	const char *args[] = { "--seed-list", "0,1,1", "--epochs", "2",
			       "--concurrency", "1", "--sandbox-retries", "0",
			       NULL };
	const char *res[] = { "resume", r->out, NULL };
	int seen[2][5] = { { 0 } };
	size_t i, before = 0;
	json_t *ro;

	ck_assert_int_eq(run_app(r, extra, args), 3);
	rr_run(r, res, NULL);
	ck_assert_msg(r->status == 0, "exit %d: %s", r->status, r->stderr_text);
	ck_assert_uint_eq(json_array_size(json_object_get(r->result,
							  "rollouts")), 6);
	json_array_foreach(json_object_get(r->result, "rollouts"), i, ro) {
		long seed = rv_json_int(ro, "seed", -1);
		long ep = rv_json_int(ro, "epoch", -1);

		ck_assert_msg(seed >= 0 && seed <= 1 && ep >= 1 && ep <= 4,
			      "seed %ld epoch %ld", seed, ep);
		seen[seed][ep]++;
		before += !json_object_get(ro, "run");
		ck_assert_str_eq(rv_json_str(ro, "outcome"), "ok");
	}
	/* seed 0: epochs 1-2; seed 1, listed twice: epochs 1-4 */
	ck_assert(seen[0][1] == 1 && seen[0][2] == 1 && !seen[0][3]);
	for (int ep = 1; ep <= 4; ep++)
		ck_assert_int_eq(seen[1][ep], 1);
	ck_assert_uint_ge(before, 1);	/* seed 0 epoch 1 ran before */
	ck_assert_uint_lt(before, 6);
	ck_assert_int_eq(rv_json_int(r->result, "config.epochs", -1), 2);
	ck_assert_int_eq(rv_json_int(r->result, "summary.eval.epochs", -1), 4);
	free(extra);
	free(marker);
	rr_free(r);
}
END_TEST

/* --max-failures counts pipeline failures: a dead inference endpoint
   stops the job early instead of running every seed for nothing. */
START_TEST(test_max_failures_counts_pipeline_failures)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "30", "--concurrency", "1",
			       "--policy", "llm", "--inference-url",
			       "http://127.0.0.1:9/v1", "--max-failures", "2",
			       NULL };
	size_t ran = 0, i;
	json_t *ro;

	ck_assert_int_eq(rr_run(r, args, NULL), 4);
	json_array_foreach(json_object_get(r->result, "rollouts"), i, ro)
		ran += !strcmp(rv_json_str(ro, "status"), "network_error");
	ck_assert_uint_eq(ran, 3);	/* one past the limit, then stop */
	ck_assert_msg(strstr(rv_json_str(r->result, "job.error"),
			     "stopped early: 3 rollouts failed"), "%s",
		      rv_json_str(r->result, "job.error"));
	rr_free(r);
}
END_TEST

/* A job's own renderings follow its options: promtool-clean metrics with
   --prom-strict, reward-0 testcases failing with --junit-fail-below. */
START_TEST(test_job_renderings_follow_the_options)
{
	struct rr *r = rr_new();
	const char *args[] = { "--seeds", "3", "--prom-strict",
			       "--junit-fail-below", "0.5", NULL };
	char *cmd, *out = NULL, *xml, *prom;

	ck_assert_int_eq(run_app(r, "--sequence 1:0 --status 2:runtime_error",
				 args), 4);
	prom = rv_xasprintf("%s/metrics.prom", r->out);
	xml = rv_xasprintf("%s/junit.xml", r->out);
	cmd = rv_xasprintf("promtool check metrics < '%s' 2>&1 && grep -c "
			   "'^runeval_rollouts_total{.*status=\"runtime_error\"} 1$' '%s'",
			   prom, prom);
	out = tu_read_file(prom, NULL);
	ck_assert_ptr_null(strstr(out, "sandbox_provisioning_duration"));
	free(out);
	out = NULL;
	{
		FILE *p = popen(cmd, "r");
		char line[256] = "";

		ck_assert_ptr_nonnull(p);
		while (fgets(line, sizeof(line), p))
			;
		ck_assert_int_eq(pclose(p), 0);	/* promtool's lint is clean */
		ck_assert_str_eq(line, "1\n");
	}
	free(cmd);
	/* seed 1 (reward 0) fails, seed 2 (runtime_error) is an error */
	out = tu_read_file(xml, NULL);
	ck_assert_msg(strstr(out, "errors=\"1\"") &&
		      strstr(out, "<failure message=\"reward 0 is below 0.5") &&
		      strstr(out, "<error message=\"pipeline failure: the task "
			     "app answered runtime_error\" type=\"runtime_error\""),
		      "%s", out);
	free(out);
	free(xml);
	free(prom);
	rr_free(r);
}
END_TEST

START_TEST(test_option_errors)
{
	static const char *const cases[][8] = {
		{ "--local", "--seed-list", "1,2,1", NULL },
		{ "--local", "--seeds", "2", "--epochs", "0", NULL },
		{ "--local", "--seeds", "1000", "--epochs", "1001", NULL },
		{ "--local", "--seeds", "2", "--pass-threshold", "nan", NULL },
		{ "--local", "--seeds", "2", "--allow-status", "Time Out", NULL },
		{ "--local", "--seeds", "2", "--allow-status", "timeout,b/c",
		  NULL },
		{ "--local", "--seeds", "2", "--junit-fail-below", "1e10", NULL },
	};
	static const char *const want[] = {
		"seed 1 appears twice in '--seed-list' (give '--epochs N'",
		"invalid value '0' for '--epochs'",
		"too many rollouts: 1000 seeds x 1001 epochs",
		"invalid value 'nan' for '--pass-threshold'",
		"invalid status 'Time Out' in '--allow-status'",
		"invalid status 'b/c' in '--allow-status'",
		"invalid value '1e10' for '--junit-fail-below'",
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		struct rr *r = rr_new();

		ck_assert_int_eq(rr_run(r, (const char *const *)cases[i], NULL), 2);
		ck_assert_msg(strstr(r->stderr_text, want[i]), "case %zu: %s", i,
			      r->stderr_text);
		rr_free(r);
	}
}
END_TEST

/*
 * runeval show tells the outcome: the app by its /info, the mean's CI,
 * how the rollouts ended, the statuses, pass@k, and each failed rollout
 * with its status and reason, a pipeline failure (which the transport
 * calls ok) among them.
 */
START_TEST(test_show_tells_the_outcome)
{
	struct rr *r = rr_new();
	const char *args[] = { "--seeds", "3", "--epochs", "2", NULL };
	char *bin = tu_build_path("runeval"), *log = rv_xasprintf("%s/show",
								 r->dir);
	char *const argv[] = { bin, "show", r->out, NULL };
	char *out = NULL;

	/* seed 0 passes epoch 1 of 2; seed 1 scores 0 with network_error;
	   seed 2 gets HTTP 500 */
	ck_assert_int_eq(run_app(r, "--task-info --sequence 0:1,0 --sequence "
				 "1:0 --status '1:network_error:cannot reach "
				 "the model' --fault 2:500", args), 4);
	ck_assert_int_eq(tu_run(argv, NULL, log, &out), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strstr(out, "app       pyapp tasks 9.9 (") &&
		      strstr(out, "seeds     3 x 2 epochs\n") &&
		      strstr(out, "reward    mean 0.250 (95% CI ") &&
		      strstr(out, "rollouts  6: 2 ok, 2 pipeline failures, 2 "
			     "failed in transport") &&
		      strstr(out, "network_error 2") &&
		      strstr(out, "pass@k    pass@1 0.167, pass@2 0.333") &&
		      strstr(out, "seed 1: PIPELINE network_error: cannot "
			     "reach the model") &&
		      strstr(out, "seed 1 (epoch 2): PIPELINE network_error") &&
		      strstr(out, "seed 2: FAILED http_error: HTTP 500"), "%s",
		      out);
	free(out);
	free(log);
	free(bin);
	rr_free(r);
}
END_TEST

static Suite *eval_suite(void)
{
	Suite *s = suite_create("eval");
	TCase *tc = tcase_create("pyapp");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_every_status_is_counted_and_fails_the_job);
	tcase_add_test(tc, test_allowed_statuses_pass_and_transport_failures_exit_1);
	tcase_add_test(tc, test_every_reward_spelling_is_read_in_order);
	tcase_add_test(tc, test_odd_rewards_threshold_tasks_and_tokens);
	tcase_add_test(tc, test_task_info_and_app_identity);
	tcase_add_test(tc, test_epochs_and_pass_at_k);
	tcase_add_test(tc, test_quiet_prints_failures_and_the_outcome);
	tcase_add_test(tc, test_job_renderings_follow_the_options);
	tcase_add_test(tc, test_epochs_survive_a_resume);
	tcase_add_test(tc, test_max_failures_counts_pipeline_failures);
	tcase_add_test(tc, test_option_errors);
	tcase_add_test(tc, test_show_tells_the_outcome);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(eval_suite()) ? 1 : 0;
}
