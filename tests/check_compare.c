/*
 * One run, many providers (issue 18), with real components: the bundled
 * task app on this host, in bwrap sandboxes, in daytona-lite's and in
 * containers of a private Docker engine that the suite starts for itself
 * (docker_engine.h; without one the suite fails, it never skips); the
 * combined report with its overhead factors; `runeval bench` in each
 * shape, with targets that fail and hold, and snapshot timings on Docker.
 */
#include "testutil.h"
#include "docker_engine.h"
#include "lite_server.h"
#include "remote_e2e.h"
#include "runeval_run.h"

#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static struct docker_engine eng;

static json_t *load(const char *dir, const char *leaf)
{
	char *path = rv_xasprintf("%s/%s", dir, leaf);
	json_t *v = json_load_file(path, 0, NULL);

	ck_assert_msg(v, "no '%s'", path);
	free(path);
	return v;
}

/* The end of a long output, for a failure message that check can carry. */
static const char *tail(const char *text)
{
	size_t n = strlen(text);

	return n > 3000 ? text + n - 3000 : text;
}

/* Entries of dir whose names start with prefix. */
static size_t count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d)))
		n += !strncmp(de->d_name, prefix, strlen(prefix));
	if (d)
		closedir(d);
	return n;
}

/* Write text to dir/leaf; its path (malloc'ed). */
static char *put_file(const char *dir, const char *leaf, const char *text)
{
	char *path = rv_xasprintf("%s/%s", dir, leaf);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* runeval ARGS with env, output in dir/run.log: the exit status. */
static int run(const char *dir, const char *const *args,
	       const char *const *env, char **text)
{
	char *bin = tu_build_path("runeval");
	char *log = rv_xasprintf("%s/run.log", dir);
	const char *argv[32] = { bin };
	size_t n = 1;
	int st = 0;
	pid_t pid;

	while (*args)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid = tu_spawn((char *const *)argv, (char *const *)env, log);
	ck_assert_int_gt(pid, 0);
	waitpid(pid, &st, 0);
	*text = tu_read_file(log, NULL);
	free(log);
	free(bin);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * local + daytona (on daytona-lite) + bwrap + e2b (on e2b-lite) +
 * docker: one result each, compared, each sandboxed one with its
 * overhead factor against local.
 */
START_TEST(test_compare_five_providers)
{
	static const char *const args[] = { "--provider", "local,daytona",
		"--provider", "bwrap,e2b", "--docker", "--seeds", "3",
		"--lite", NULL };
	struct rr *r = rr_new();
	char *state = rv_xasprintf("RUNEVAL_STATE_DIR=%s/state", r->dir);
	const char *env[] = { state, eng.host_env, eng.net_env, NULL };
	json_t *sum, *oh, *res;
	const char *provs[] = { "process", "daytona", "bwrap", "e2b",
				"docker" };
	char *md, *path;

	ck_assert_msg(rr_run(r, args, env) == 0, "%s", r->stderr_text);
	for (size_t i = 0; i < 5; i++) {
		char *dir = rv_xasprintf("%s/%s", r->out, provs[i]);

		res = load(dir, "result.json");
		ck_assert_str_eq(rv_json_str(res, "environment.provider"),
				 provs[i]);
		ck_assert_int_eq(rv_json_int(res, "summary.completed", -1), 3);
		ck_assert_int_eq(rv_json_int(res, "summary.failed", -1), 0);
		json_decref(res);
		free(dir);
	}
	sum = load(r->out, "summary.json");
	oh = rv_json_path(sum, "comparison.overhead");
	ck_assert_msg(json_is_object(oh), "no overhead block");
	ck_assert_str_eq(rv_json_str(oh, "baseline"), "process");
	for (size_t i = 1; i < 5; i++) {
		char *key = rv_xasprintf("factors.%s.rollout", provs[i]);
		double f = 0;

		ck_assert_msg(rv_json_num(oh, key, &f) && f > 0, "%s", key);
		free(key);
	}
	ck_assert(!rv_json_path(oh, "factors.process"));
	ck_assert(json_is_string(rv_json_path(sum,
		"comparison.performance.fastest")));
	path = rv_xasprintf("%s/report.md", r->out);
	md = tu_read_file(path, NULL);
	/* the terminal's table has them too, with the success rates */
	ck_assert_msg(strstr(r->stdout_text, "overhead against local (p50 / "
			     "local p50): bwrap: ") &&
		      strstr(r->stdout_text, "overhead against local (p50 / "
			     "local p50): docker: ") &&
		      strstr(r->stdout_text, "success rates: process "),
		      "%s", r->stdout_text);
	ck_assert_msg(strstr(md, "### Overhead against local") &&
		      strstr(md, "| bwrap | rollout |") &&
		      strstr(md, "| daytona | rollout |") &&
		      strstr(md, "| e2b | rollout |") &&
		      strstr(md, "| docker | rollout |"), "%s", md);
	ck_assert_int_eq(docker_engine_containers(&eng), 0);
	json_decref(sum);
	free(md);
	free(path);
	free(state);
	rr_free(r);
}
END_TEST

/* Spans of OUT/spans.jsonl with this provider label and phase. */
static size_t count_spans(const char *out, const char *provider,
			  const char *phase, bool ok_only)
{
	char *path = rv_xasprintf("%s/spans.jsonl", out);
	FILE *f = fopen(path, "r");
	char line[4096];
	size_t n = 0;

	ck_assert_msg(f, "no '%s'", path);
	while (fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);

		ck_assert_msg(o, "not JSON: %s", line);
		if (!strcmp(rv_json_str(o, "provider"), provider) &&
		    !strcmp(rv_json_str(o, "phase"), phase) &&
		    (!ok_only || json_is_true(json_object_get(o, "ok"))))
			n++;
		json_decref(o);
	}
	fclose(f);
	free(path);
	return n;
}

/* OUT/latency.json's series of this driver and start type: samples. */
static size_t latency_samples(const char *out, const char *driver,
			      const char *start)
{
	json_t *lat = load(out, "latency.json"), *s;
	size_t i, n = 0;

	json_array_foreach(json_object_get(lat, "series"), i, s)
		if (!strcmp(rv_json_str(s, "driver"), driver) &&
		    !strcmp(rv_json_str(s, "startType"), start))
			n = json_array_size(json_object_get(s, "samples"));
	json_decref(lat);
	return n;
}

/*
 * E2B found as the tests and users find it (E2B_API_URL and the domain
 * its create answers with, no --lite): in a job of several providers
 * with its overhead factor, and in bench, cold and warm apart; nothing
 * left on the e2b-lite.
 */
START_TEST(test_compare_e2b_by_environment)
{
	static const char *const job[] = { "--provider", "local,e2b",
		"--seeds", "2", NULL };
	struct re_world w;
	struct rr *r;
	char *out, *text;
	json_t *sum;
	double f = 0;

	re_start(&w, &re_e2b, NULL);
	r = rr_new();
	ck_assert_msg(rr_run(r, job, w.sbx.env) == 0, "%s", r->stderr_text);
	sum = load(r->out, "summary.json");
	ck_assert_msg(rv_json_num(sum, "comparison.overhead.factors.e2b."
				  "rollout", &f) && f > 0, "no e2b factor");
	json_decref(sum);
	/* show on the directory names the providers' directories */
	{
		const char *const show[] = { "show", r->out, NULL };

		ck_assert_int_eq(run(r->dir, show, NULL, &text), 2);
		ck_assert_msg(strstr(text, "holds the jobs of several "
				     "providers (") && strstr(text, "e2b") &&
			      strstr(text, "/<provider>"), "%s", text);
		free(text);
	}
	/* -q: a line per provider, its job's last, and no report table */
	{
		static const char *const quiet[] = { "--provider",
			"local,e2b", "--seeds", "2", "-q", NULL };
		struct rr *q = rr_new();

		ck_assert_msg(rr_run(q, quiet, w.sbx.env) == 0, "%s",
			      q->stderr_text);
		ck_assert_msg(strstr(q->stdout_text, "process: job ") &&
			      strstr(q->stdout_text, "e2b: job ") &&
			      !strstr(q->stdout_text, "eval ") &&
			      count_lines(q->stdout_text) == 2, "%s",
			      q->stdout_text);
		rr_free(q);
	}
	out = rv_xasprintf("%s/bench", r->dir);
	{
		const char *const bench[] = { "bench", "--provider", "e2b",
			"--iterations", "3", "--warmup", "1", "--concurrency",
			"2", "--shape", "burst", "--out", out, NULL };

		ck_assert_msg(run(r->dir, bench, w.sbx.env, &text) == 0, "%s",
			      tail(text));
	}
	ck_assert_msg(strstr(text, "bench: e2b: "), "%s", tail(text));
	for (const char *const *ph = (const char *const[]){ "provision",
	     "upload", "exec", "tti", "teardown", NULL }; *ph; ph++) {
		ck_assert_uint_eq(count_spans(out, "e2b:cold", *ph, true), 1);
		ck_assert_uint_eq(count_spans(out, "e2b", *ph, true), 2);
	}
	ck_assert_uint_eq(latency_samples(out, "e2b", "cold"), 1);
	ck_assert_uint_eq(latency_samples(out, "e2b", "warm"), 2);
	ck_assert_uint_eq(re_left(&w), 0);
	free(text);
	free(out);
	rr_free(r);
	re_stop(&w);
}
END_TEST

/* The bwrap provider runs the job, and --local --isolate is it. */
START_TEST(test_compare_bwrap_job)
{
	static const char *const a1[] = { "--provider", "bwrap", "--seeds",
		"5", NULL };
	static const char *const a2[] = { "--local", "--isolate", "--seeds",
		"2", NULL };
	struct rr *r = rr_new();
	char *state = rv_xasprintf("RUNEVAL_STATE_DIR=%s/state", r->dir);
	const char *env[] = { state, NULL };
	json_t *res;
	char *root;

	ck_assert_msg(rr_run(r, a1, env) == 0, "%s", r->stderr_text);
	res = load(r->out, "result.json");
	ck_assert_int_eq(rv_json_int(res, "summary.completed", -1), 5);
	ck_assert_int_eq(rv_json_int(res, "summary.failed", -1), 0);
	ck_assert(rr_has_span(r, "upload"));
	json_decref(res);
	/* nothing left: no sandbox directory, no process */
	root = rv_xasprintf("%s/state/bwrap", r->dir);
	ck_assert_int_eq(count_entries(root, "bw-"), 0);
	free(root);
	rr_free(r);
	r = rr_new();
	ck_assert_msg(rr_run(r, a2, env) == 0, "%s", r->stderr_text);
	res = load(r->out, "result.json");
	ck_assert_str_eq(rv_json_str(res, "environment.provider"), "bwrap");
	json_decref(res);
	free(state);
	rr_free(r);
}
END_TEST

/*
 * A SIGINT sent to runeval alone (not its group, as a CI runner or kill
 * PID does) stops every provider's job: each writes an interrupted
 * result, the run exits 130; one at a time, the providers after the
 * signal never start.
 */
START_TEST(test_compare_signal_to_runeval_alone)
{
	char *tmp = tu_tmpdir(), *bin = tu_build_path("runeval");
	char *state = rv_xasprintf("RUNEVAL_STATE_DIR=%s/state", tmp);
	char *env[] = { state, NULL };

	for (int one = 0; one < 2; one++) {
		char *out = rv_xasprintf("%s/m%d", tmp, one);
		char *log = rv_xasprintf("%s/m%d.log", tmp, one);
		char *argv[] = { bin, "--provider", "local,bwrap", "--seeds",
				 "400", "--concurrency", "1", "--out", out,
				 one ? "--one-provider-at-a-time" : NULL,
				 NULL };
		pid_t pid = tu_spawn(argv, env, log);
		uint64_t t0;
		char *text;
		json_t *res;
		int st;

		usleep(3000 * 1000);	/* the jobs are in their rollouts */
		kill(pid, SIGINT);
		t0 = rv_now_ns();
		waitpid(pid, &st, 0);
		text = tu_read_file(log, NULL);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 130,
			      "%d: %s", st, tail(text));
		ck_assert_msg(rv_now_ns() - t0 < 30000 * RV_NS_PER_MS, "%s",
			      tail(text));
		res = load(out, "process/result.json");
		ck_assert_str_eq(rv_json_str(res, "job.status"),
				 "interrupted");
		ck_assert_int_lt(rv_json_int(res, "summary.completed", -1),
				 400);
		json_decref(res);
		if (one) {
			char *p = rv_xasprintf("%s/bwrap/result.json", out);

			ck_assert_msg(access(p, F_OK) != 0, "%s", p);
			ck_assert_msg(strstr(text, "bwrap: not run: "
					     "interrupted"), "%s", tail(text));
			free(p);
		} else {
			res = load(out, "bwrap/result.json");
			ck_assert_str_eq(rv_json_str(res, "job.status"),
					 "interrupted");
			json_decref(res);
		}
		free(text);
		free(log);
		free(out);
	}
	{	/* ls lists the providers' jobs, show finds one by its id,
		   resume asks for one provider's directory */
		json_t *res = load(tmp, "m0/process/result.json");
		char *cmd = rv_xasprintf("cd '%s' && '%s' ls . && '%s' resume "
			"m0; echo \"resume $?\"; mkdir runs && mv m0 runs/ && "
			"'%s' show %s", tmp, bin, bin, bin,
			rv_json_str(res, "job.id"));
		char *sh[] = { "/bin/sh", "-c", cmd, NULL };
		char *log = rv_xasprintf("%s/history.log", tmp), *text;

		ck_assert_int_eq(tu_run(sh, NULL, log, &text), 0);
		ck_assert_msg(strstr(text, "process ") && strstr(text, "bwrap ")
			      && strstr(text, "interrupted"), "%s", text);
		ck_assert_msg(strstr(text, "holds the jobs of several providers "
				     "(") && strstr(text, "resume 2"), "%s",
			      text);
		ck_assert_msg(strstr(text, "(runs/m0/process/result.json)"),
			      "%s", text);
		free(text);
		free(log);
		free(cmd);
		json_decref(res);
	}
	free(state);
	free(bin);
	tu_rmrf(tmp);
	free(tmp);
}
END_TEST

/* --isolate needs --local; an unknown provider in a list is named; a
   network restriction needs every provider to support it; --keep with
   --lite names the offline server. */
START_TEST(test_compare_usage)
{
	static const char *const a1[] = { "--daytona", "--isolate", "--seeds",
		"1", NULL };
	static const char *const a2[] = { "--provider", "local,nope",
		"--seeds", "1", NULL };
	static const char *const a3[] = { "--provider", "daytona,docker",
		"--lite", "--seeds", "1", "--network-block-all", NULL };
	static const char *const a4[] = { "--provider", "local,e2b",
		"--lite", "--keep", "--seeds", "1", NULL };
	struct rr *r = rr_new();

	ck_assert_int_eq(rr_run(r, a1, NULL), 2);
	ck_assert_msg(strstr(r->stderr_text, "'--isolate' goes with "
			     "'--local'"), "%s", r->stderr_text);
	ck_assert_int_eq(rr_run(r, a2, NULL), 2);
	ck_assert_msg(strstr(r->stderr_text, "unknown provider 'nope'"), "%s",
		      r->stderr_text);
	/* a network restriction holds on every provider, or none runs */
	ck_assert_int_eq(rr_run(r, a3, NULL), 2);
	ck_assert_msg(strstr(r->stderr_text, "provider 'docker' does not "
			     "support '--network-block-all'"), "%s",
		      r->stderr_text);
	/* --keep with --lite names the server of the provider that has
	   one, not the first provider's (local has none) */
	ck_assert_int_eq(rr_run(r, a4, NULL), 2);
	ck_assert_msg(strstr(r->stderr_text, "run e2b-lite yourself"), "%s",
		      r->stderr_text);
	{	/* what a provider would ignore is refused, a plan too */
		static const char *const bad[][8] = {
			{ "--bwrap", "--seeds", "1", "--image", "python:3",
			  "--dry-run", NULL },
			{ "--e2b", "--lite", "--seeds", "1", "--image", "x",
			  "--dry-run", NULL },
			{ "--docker", "--seeds", "1", "--target", "eu",
			  "--dry-run", NULL },
			{ "lifecycle", "--provider", "bwrap", "--target", "us",
			  NULL },
			{ "bench", "--provider", "bwrap", "--from-snapshot",
			  "s", NULL },
		};
		static const char *const want[] = {
			"provider 'bwrap' does not support '--image' (its "
			"sandboxes run this host's userland)",
			"provider 'e2b' does not support '--image' (start "
			"from a template or snapshot: '--snapshot NAME')",
			"provider 'docker' does not support '--target'",
			"lifecycle: provider 'bwrap' does not support "
			"'--target'",
			"bench: provider 'bwrap' does not support "
			"'--from-snapshot'",
		};

		static const char *const multi[] = { "--provider",
			"local,bwrap", "--seeds", "1", "--image", "python:3",
			"--dry-run", NULL };
		static const char *const bench2[] = { "bench", "--provider",
			"e2b,docker", "--image", "x", "--region", "y", NULL };
		static const char *const envd[] = { "--bwrap", "--seeds", "1",
			"--dry-run", NULL };
		const char *env[] = { "RUNEVAL_TARGET=eu", NULL };
		char *tmp = tu_tmpdir(), *text;

		/* none of several providers uses it: refused too */
		ck_assert_int_eq(rr_run(r, multi, NULL), 2);
		ck_assert_msg(strstr(r->stderr_text, "none of the providers "
				     "supports '--image'"), "%s",
			      r->stderr_text);
		ck_assert_int_eq(run(tmp, bench2, NULL, &text), 2);
		ck_assert_msg(strstr(text, "none of the providers supports "
				     "'--region'"), "%s", text);
		free(text);
		/* from the environment (a Daytona user's RUNEVAL_TARGET):
		   left out, said */
		ck_assert_int_eq(rr_run(r, envd, env), 0);
		ck_assert_msg(strstr(r->stderr_text, "'--target eu' (from the "
				     "environment) is left out: the provider "
				     "does not use it"), "%s", r->stderr_text);
		{	/* local mode and several providers alike */
			static const char *const loc[] = { "--local",
				"--seeds", "1", "--dry-run", NULL };
			static const char *const two[] = { "--provider",
				"local,bwrap", "--seeds", "1", "--dry-run",
				NULL };

			ck_assert_int_eq(rr_run(r, loc, env), 0);
			ck_assert_msg(strstr(r->stderr_text, "is left out: the "
					     "provider does not use it"), "%s",
				      r->stderr_text);
			ck_assert_int_eq(rr_run(r, two, env), 0);
			ck_assert_msg(strstr(r->stderr_text, "is left out: none "
					     "of the providers uses it"), "%s",
				      r->stderr_text);
			/* the plans are on the terminal, each under its
			   provider's name, and nothing is created */
			ck_assert_msg(strstr(r->stdout_text, "== process ==\n") &&
				      strstr(r->stdout_text, "\n== bwrap ==\n") &&
				      strstr(r->stdout_text, "provider    bwrap"),
				      "%s", r->stdout_text);
			ck_assert_msg(access(r->out, F_OK) != 0, "%s", r->out);
		}
		for (size_t i = 0; i < 3; i++) {
			ck_assert_int_eq(rr_run(r, bad[i], NULL), 2);
			ck_assert_msg(strstr(r->stderr_text, want[i]), "%s",
				      r->stderr_text);
		}
		for (size_t i = 3; i < 5; i++) {	/* no --env-file */
			ck_assert_int_eq(run(tmp, bad[i], NULL, &text), 2);
			ck_assert_msg(strstr(text, want[i]), "%s", text);
			free(text);
		}
		{	/* a second run into the same directory: its jobs
			   refuse it, and the first run's results are not
			   taken for theirs */
			char *o = rv_xasprintf("%s/twice", tmp);
			char *state = rv_xasprintf("RUNEVAL_STATE_DIR=%s/st",
						   tmp);
			const char *const twice[] = { "--provider",
				"local,bwrap", "--seeds", "1", "--out", o,
				NULL };
			const char *senv[] = { state, NULL };
			char *runlog = rv_xasprintf("%s/run.log", tmp);

			ck_assert_int_eq(run(tmp, twice, senv, &text), 0);
			free(text);
			unlink(runlog);	/* run() appends to it */
			free(runlog);
			ck_assert_int_eq(run(tmp, twice, senv, &text), 2);
			ck_assert_msg(strstr(text, "process: exit 2 after") &&
				      strstr(text, "no results: ") &&
				      strstr(text, "is not empty") &&
				      !strstr(text, "combined report"), "%s",
				      text);
			free(text);
			free(state);
			free(o);
		}
		tu_rmrf(tmp);
		free(tmp);
	}
	rr_free(r);
}
END_TEST

/*
 * The providers of a job from the configuration file (a YAML list, or
 * "a,b"), the environment and the command line, later ones replacing
 * the list; `runeval config` gives it back in a form it reads again.
 */
START_TEST(test_compare_providers_from_config)
{
	char *tmp = tu_tmpdir();
	char *file = put_file(tmp, "job.yaml",
			      "provider: [local, bwrap]\nseeds: 2\n");
	char *saved = rv_xasprintf("%s/saved.yaml", tmp);
	const char *const a1[] = { "config", "--config", file, NULL };
	const char *const a2[] = { "config", "--config", saved, NULL };
	const char *const a3[] = { "config", "--config", file, "--docker",
		"--provider", "bwrap", NULL };
	const char *const env[] = { "RUNEVAL_PROVIDER=local,docker", NULL };
	char *text;

	ck_assert_int_eq(run(tmp, a1, NULL, &text), 0);
	ck_assert_msg(strstr(text, "\nprovider: \"process,bwrap\"  # file"),
		      "%s", text);
	free(put_file(tmp, "saved.yaml", strstr(text, "# runeval") ?
		      strstr(text, "# runeval") : text));
	free(text);
	ck_assert_int_eq(run(tmp, a2, NULL, &text), 0);
	ck_assert_msg(strstr(text, "provider: \"process,bwrap\""), "%s", text);
	free(text);
	ck_assert_int_eq(run(tmp, a1, env, &text), 0);
	ck_assert_msg(strstr(text, "provider: \"process,docker\"  # "
			     "environment"),
		      "%s", text);
	free(text);
	ck_assert_int_eq(run(tmp, a3, env, &text), 0);
	ck_assert_msg(strstr(text, "provider: \"docker,bwrap\"  # command "
			     "line"), "%s", text);
	free(text);
	free(saved);
	free(file);
	tu_rmrf(tmp);
	free(tmp);
}
END_TEST

/* Each shape: cold + warm spans, the devs task's latency shape. */
START_TEST(test_compare_bench_shapes)
{
	static const char *const shapes[] = { "sequential", "burst",
					      "staggered:50" };
	char *tmp = tu_tmpdir();
	char *out = rv_xasprintf("%s/%s", tmp, shapes[_i]);
	char *state = rv_xasprintf("RUNEVAL_STATE_DIR=%s/state", tmp);
	const char *const args[] = { "bench", "--provider", "local,bwrap",
		"--iterations", "4", "--warmup", "1", "--concurrency", "2",
		"--shape", shapes[_i], "--out", out, NULL };
	const char *env[] = { state, NULL };
	json_t *lat, *b, *series, *s;
	char *text;
	size_t i, warm = 0, cold = 0;
	double kb = 1e9;

	ck_assert_msg(run(tmp, args, env, &text) == 0, "%s", tail(text));
	lat = load(out, "latency.json");
	for (const char *const *k = (const char *const[]){ "driver",
	     "startType", "samples", "p50Ms", "p95Ms", "p99Ms", NULL };
	     *k; k++)
		ck_assert_msg(json_object_get(lat, *k), "no '%s'", *k);
	series = json_object_get(lat, "series");
	json_array_foreach(series, i, s) {
		size_t n = json_array_size(json_object_get(s, "samples"));

		if (!strcmp(rv_json_str(s, "startType"), "warm")) {
			ck_assert_uint_eq(n, 3);	/* 4 - the cold one */
			warm++;
		} else {
			ck_assert_uint_eq(n, 1);
			cold++;
		}
	}
	ck_assert_uint_eq(warm, 2);
	ck_assert_uint_eq(cold, 2);
	b = load(out, "bench.json");
	ck_assert_str_eq(rv_json_str(b, "shape"),
			 _i == 2 ? "staggered" : shapes[_i]);
	ck_assert_int_eq(rv_json_int(b, "memory.sandboxes", 0), 6);
	/* the devs task allows 50 MB a sandbox; runeval's own is tiny */
	ck_assert(rv_json_num(b, "memory.growth_kb_per_sandbox", &kb));
	ck_assert_msg(kb < 50 * 1024, "%.1f kB a sandbox", kb);
	json_decref(b);
	json_decref(lat);
	free(text);
	text = rv_xasprintf("%s/metrics.prom", out);
	free(out);
	out = tu_read_file(text, NULL);
	ck_assert_msg(strstr(out, "sandbox_provisioning_duration_p95_ms") &&
		      strstr(out, "runeval_bench_rss_growth_bytes"), "%s", out);
	free(text);
	free(out);
	free(state);
	tu_rmrf(tmp);
	free(tmp);
}
END_TEST

/*
 * Targets from bench's configuration file: one that fails is exit 1,
 * the command line's replace them (exit 0), and a bad key is exit 2
 * naming the file and line.
 */
static void bench_targets_from_file(const char *tmp, const char *const *env)
{
	/* "workload: ~" is its default ('true'), not the command '~' */
	char *file = put_file(tmp, "bench.yaml", "provider: [bwrap]\n"
			      "iterations: 1\nsnapshot: false\nworkload: ~\n"
			      "target:\n"
			      "  - p95(create) < 0.001ms\n"
			      "  - success_rate >= 100%\n");
	char *bad = put_file(tmp, "bad.yaml", "iterations: 1\nwarmups: 2\n");
	char *o3 = rv_xasprintf("%s/out3", tmp), *o4 = rv_xasprintf("%s/out4",
								      tmp);
	const char *const a1[] = { "bench", "--config", file, "--out", o3,
		NULL };
	const char *const a2[] = { "bench", "--config", file, "--target",
		"p95(create) < 30s", "--out", o4, NULL };
	const char *const a3[] = { "bench", "--provider", "bwrap", "--config",
		bad, NULL };
	json_t *b;
	char *text;

	ck_assert_int_eq(run(tmp, a1, env, &text), 1);
	ck_assert_msg(strstr(text, "1 of 2 gates failed"), "%s", tail(text));
	free(text);
	b = load(o3, "bench.json");
	ck_assert_uint_eq(json_array_size(json_object_get(b, "targets")), 2);
	ck_assert_int_eq(rv_json_int(b, "iterations", 0), 1);
	json_decref(b);
	ck_assert_int_eq(run(tmp, a2, env, &text), 0);
	free(text);
	b = load(o4, "bench.json");
	ck_assert_uint_eq(json_array_size(json_object_get(b, "targets")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(
		json_object_get(b, "targets"), 0)), "p95(create) < 30s");
	json_decref(b);
	ck_assert_int_eq(run(tmp, a3, env, &text), 2);
	ck_assert_msg(strstr(text, "bad.yaml' line 2: unknown key 'warmups'"),
		      "%s", text);
	free(text);
	/* an empty list named no target, an empty entry an empty one */
	free(put_file(tmp, "bad.yaml", "iterations: 1\ntarget: []\n"));
	ck_assert_int_eq(run(tmp, a3, env, &text), 2);
	ck_assert_msg(strstr(text, "bad.yaml' line 2: 'target' is an empty "
			     "list"), "%s", text);
	free(text);
	free(put_file(tmp, "bad.yaml", "iterations: 1\ntarget:\n  - "
		      "p95(create) < 1s\n  - ''\n"));
	ck_assert_int_eq(run(tmp, a3, env, &text), 2);
	ck_assert_msg(strstr(text, "bad.yaml' line 4: 'target' has an empty "
			     "entry"), "%s", text);
	free(text);
	free(o3);
	free(o4);
	free(bad);
	free(file);
}

/* A target that fails is exit 1, one that holds exit 0. */
START_TEST(test_compare_bench_targets)
{
	char *tmp = tu_tmpdir();
	char *out = rv_xasprintf("%s/out", tmp), *out2;
	char *state = rv_xasprintf("RUNEVAL_STATE_DIR=%s/state", tmp);
	const char *const fail[] = { "bench", "--provider", "bwrap",
		"--iterations", "2", "--target", "p95(create) < 0.001ms",
		"--out", out, NULL };
	const char *env[] = { state, NULL };
	char *text;

	ck_assert_int_eq(run(tmp, fail, env, &text), 1);
	ck_assert_msg(strstr(text, "FAIL p95(provision) < 0.001ms"), "%s",
		      tail(text));
	free(text);
	out2 = rv_xasprintf("%s/out2", tmp);
	{
		const char *const hold[] = { "bench", "--provider", "bwrap",
			"--iterations", "2", "--target", "p95(create) < 30s",
			"--target", "success_rate >= 100%", "--out", out2,
			NULL };

		ck_assert_int_eq(run(tmp, hold, env, &text), 0);
		ck_assert_msg(strstr(text, "ok   p95(provision) < 30s"), "%s",
			      text);
		free(text);
	}
	{
		/* an earlier bench in --out is kept without --force */
		const char *const again[] = { "bench", "--provider", "bwrap",
			"--iterations", "1", "--out", out2, NULL };

		ck_assert_int_eq(run(tmp, again, env, &text), 2);
		ck_assert_msg(strstr(text, "holds an earlier bench "
				     "(spans.jsonl): give another --out, or "
				     "--force"), "%s", text);
		free(text);
	}
	{
		/* a target that cannot be, found before any sandbox */
		static const char *const bad[][2] = {
			{ "garbage", "invalid gate 'garbage'" },
			{ "p95(foo) < 3s", "a bench times no phase 'foo'" },
			{ "pass_rate > 50%", "a bench runs no rollouts" },
		};
		char *o5 = rv_xasprintf("%s/out5", tmp), *p;

		for (size_t i = 0; i < 3; i++) {
			const char *const a[] = { "bench", "--provider",
				"bwrap", "--target", bad[i][0], "--out", o5,
				NULL };

			ck_assert_int_eq(run(tmp, a, env, &text), 2);
			ck_assert_msg(strstr(text, bad[i][1]), "%s",
				      tail(text));
			free(text);
		}
		p = rv_xasprintf("%s/spans.jsonl", o5);
		ck_assert_msg(access(p, F_OK) != 0, "%s", p);
		free(p);
		free(o5);
	}
	{
		/* a step's command that exits non-zero is a failed step:
		   exit 3, as for any step that failed (--force: over the
		   bench above) */
		const char *const broken[] = { "bench", "--provider", "bwrap",
			"--iterations", "1", "--workload", "exit 7",
			"--out", out2, "--force", NULL };

		ck_assert_int_eq(run(tmp, broken, env, &text), 3);
		ck_assert_msg(strstr(text, "exec: workload 'exit 7' exited 7"),
			      "%s", tail(text));
		free(text);
	}
	{
		const char *const bad[] = { "bench", "--provider", "bwrap",
			"--shape", "zigzag", NULL };

		ck_assert_int_eq(run(tmp, bad, env, &text), 2);
		ck_assert_msg(strstr(text, "unknown '--shape zigzag'"), "%s",
			      text);
		free(text);
	}
	bench_targets_from_file(tmp, env);
	free(out);
	free(out2);
	free(state);
	tu_rmrf(tmp);
	free(tmp);
}
END_TEST

/*
 * bench on Docker with --snapshot: the snapshot (docker commit) and the
 * restore (a container from it, with the upload in it) timed for the
 * cold sandbox and the warm ones apart, a server reached through the
 * container's preview; nothing left on the engine.  bwrap has no
 * snapshots: the run says so clearly and times none.
 */
START_TEST(test_compare_bench_docker_snapshots)
{
	char *tmp = tu_tmpdir();
	char *out = rv_xasprintf("%s/out", tmp);
	char *state = rv_xasprintf("RUNEVAL_STATE_DIR=%s/state", tmp);
	const char *const args[] = { "bench", "--provider", "docker,bwrap",
		"--iterations", "3", "--warmup", "1", "--snapshot", "--out",
		out, NULL };
	const char *env[] = { state, eng.host_env, eng.net_env, NULL };
	json_t *b, *note;
	bool said = false;
	char *text;
	size_t i;

	ck_assert_msg(run(tmp, args, env, &text) == 0, "%s", tail(text));
	ck_assert_msg(strstr(text, "bench: docker: ") &&
		      strstr(text, " requests over "), "%s", tail(text));
	for (const char *const *ph = (const char *const[]){ "snapshot",
	     "restore", "provision", "upload", "tti", "teardown", NULL };
	     *ph; ph++) {
		ck_assert_uint_eq(count_spans(out, "docker:cold", *ph, true),
				  1);
		ck_assert_uint_eq(count_spans(out, "docker", *ph, true), 2);
	}
	ck_assert_uint_eq(count_spans(out, "bwrap:cold", "provision", true),
			  1);
	ck_assert_uint_eq(count_spans(out, "bwrap:cold", "snapshot", false),
			  0);
	ck_assert_uint_eq(count_spans(out, "bwrap", "snapshot", false), 0);
	b = load(out, "bench.json");
	json_array_foreach(json_object_get(b, "notes"), i, note)
		said |= strstr(json_string_value(note), "bwrap: snapshots are "
			       "not supported") != NULL;
	ck_assert_msg(said, "%s", tail(text));
	ck_assert(rv_json_int(b, "http.docker.requests", 0) > 0);
	json_decref(b);
	ck_assert_int_eq(docker_engine_containers(&eng), 0);
	ck_assert_int_eq(docker_engine_images(&eng), 0);
	free(text);
	free(out);
	free(state);
	tu_rmrf(tmp);
	free(tmp);
}
END_TEST

/*
 * bench interrupted (SIGINT) mid-way: exit 130, and what it says counts
 * the sandboxes it made (it said the memory grew "over 29 sandboxes"
 * after 8), nor does a stop pass for a timeout.
 */
START_TEST(test_compare_bench_interrupted)
{
	char *tmp = tu_tmpdir(), *bin = tu_build_path("runeval");
	char *log = rv_xasprintf("%s/bench.log", tmp);
	char *out = rv_xasprintf("%s/b", tmp), *text, *at;
	char *argv[] = { bin, "bench", "--provider", "daytona,bwrap",
			 "--lite", "--iterations", "200", "--out", out, NULL };
	unsigned made = 0, over = 0;
	int st;
	pid_t pid = tu_spawn(argv, NULL, log);

	/* a few sandboxes in (200 take some 25 s) */
	usleep(2500 * 1000);
	kill(pid, SIGINT);
	waitpid(pid, &st, 0);
	text = tu_read_file(log, NULL);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 130, "%d: %s", st,
		      tail(text));
	ck_assert_msg(!strstr(text, "within 60 s"), "%s", tail(text));
	/* "RSS A kB after sandbox 1, B kB after sandbox M": the last */
	for (const char *p = text; (p = strstr(p, "after sandbox ")); p++)
		ck_assert_int_eq(sscanf(p, "after sandbox %u", &made), 1);
	at = strstr(text, "kB over ");
	ck_assert_msg(!at || (sscanf(at, "kB over %u", &over) == 1 &&
			      over < made), "%u of %u: %s", over, made,
		      tail(text));
	free(text);
	{	/* the step the signal cut short is no failure of daytona's;
		   bwrap never ran */
		json_t *b = load(out, "bench.json");
		char *spans = rv_xasprintf("%s/spans.jsonl", out);

		ck_assert(json_is_true(json_object_get(b, "interrupted")));
		ck_assert_int_eq(rv_json_int(b, "failed_steps", -1), 0);
		ck_assert_str_eq(json_string_value(json_array_get(
			json_object_get(b, "providers_not_run"), 0)), "bwrap");
		ck_assert_uint_eq(json_array_size(json_object_get(
			b, "providers")), 1);
		json_decref(b);
		text = tu_read_file(spans, NULL);
		ck_assert_msg(text && !strstr(text, "\"ok\":false"), "%s",
			      text ? tail(text) : spans);
		free(text);
		free(spans);
	}
	/* lifecycle says it writes no file (the job's message said it
	   wrote the results) */
	{
		char *lc[] = { bin, "lifecycle", "--provider", "daytona",
			       "--lite", "--repeat", "100", NULL };

		free(log);	/* a log of its own */
		log = rv_xasprintf("%s/lifecycle.log", tmp);
		pid = tu_spawn(lc, NULL, log);
		usleep(1500 * 1000);
		kill(pid, SIGINT);
		waitpid(pid, &st, 0);
		text = tu_read_file(log, NULL);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 130 &&
			      strstr(text, "lifecycle writes no file") &&
			      !strstr(text, "writing the results"), "%d: %s",
			      st, tail(text));
		free(text);
	}
	free(out);
	free(log);
	free(bin);
	tu_rmrf(tmp);
	free(tmp);
}
END_TEST

static Suite *compare_suite(void)
{
	Suite *s = suite_create("compare");
	TCase *tc = tcase_create("compare");
	TCase *td = tcase_create("docker");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_compare_usage);
	tcase_add_test(tc, test_compare_providers_from_config);
	tcase_add_test(tc, test_compare_bwrap_job);
	tcase_add_test(tc, test_compare_five_providers);
	tcase_add_test(tc, test_compare_e2b_by_environment);
	tcase_add_loop_test(tc, test_compare_bench_shapes, 0, 3);
	tcase_add_test(tc, test_compare_bench_targets);
	tcase_add_test(tc, test_compare_bench_interrupted);
	tcase_add_test(tc, test_compare_signal_to_runeval_alone);
	suite_add_tcase(s, tc);
	tcase_set_timeout(td, 240);
	tcase_add_test(td, test_compare_bench_docker_snapshots);
	suite_add_tcase(s, td);
	return s;
}

int main(void)
{
	rv_http_global_init();
	docker_engine_start_or_die(&eng, "check_compare");
	return tu_run_suite(compare_suite()) ? 1 : 0;
}
