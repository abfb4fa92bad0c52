/*
 * runeval --docker end to end: build/runeval as a process against a real
 * Docker Engine that this suite starts for itself (docker_engine.h: a
 * private dockerd, its own bridge network, the images of
 * scripts/docker-image.sh).  Every test ends by asking the engine what
 * is labelled runeval.job: nothing may be left, containers or snapshot
 * images.  Without an engine the suite fails; it never skips.
 */
#include "testutil.h"
#include "docker_engine.h"
#include "runeval_run.h"
#include "sandbox_world.h"

#include "docker_api.h"
#include "docker_tar.h"
#include "provider.h"
#include "tarball.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct docker_engine eng;

/* Containers and snapshot images labelled runeval.job on the engine. */
static size_t world_left_sbx(const struct sbx_world *w)
{
	return (size_t)docker_engine_containers(&eng) +
		(size_t)docker_engine_images(&eng);
}

/* One test's world: the engine's env and a journal dir of its own. */
struct world {
	struct sbx_world sbx;
	char *pystart;			/* the Python app on 0.0.0.0 */
};

static void world_start(struct world *w)
{
	char *dir = tu_tmpdir();

	sbx_world_init(&w->sbx, dir, (const char *const[]){ eng.host_env,
		eng.net_env, NULL }, world_left_sbx, &eng);
	free(dir);
	w->pystart = rv_xstrdup("exec python3 app.py --host 0.0.0.0");
}

static void world_stop(struct world *w)
{
	tu_rmrf(w->sbx.dir);
	sbx_world_release(&w->sbx);
	free(w->pystart);
}

/* The headline: --docker --seeds 5, the bundled app, every phase timed. */
START_TEST(test_docker_bundled_five_seeds)
{
	struct world w;
	struct rr *r;
	json_t *img;
	char *log, *text;

	world_start(&w);
	r = sbx_run_headline(&w.sbx, "docker", eng.host, &log);
	img = json_object_get(json_object_get(r->result, "environment"),
			      "image");
	ck_assert_str_eq(json_string_value(json_object_get(img, "name")),
			 "runeval-taskapp:bookworm");
	ck_assert(json_is_true(json_object_get(img, "present_before_job")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(img,
				     "id")), "sha256:"));
	/* the app's output, followed from the exec stream */
	text = tu_read_file(log, NULL);
	ck_assert_msg(text && strstr(text, "listening on"), "%s: %s", log,
		      text ? text : "(none)");
	free(text);
	free(log);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/*
 * A Python task app, 8 seeds over 4 containers pulling from one queue:
 * every container is made and torn down, and (the rollouts are slow) the
 * seeds do not all go to the first one up.
 */
START_TEST(test_docker_python_app_four_sandboxes)
{
	struct world w;
	struct rr *r = rr_new();
	const char *args[] = { "--docker", "--seeds", "8", "--sandboxes", "4",
			       "--concurrency", "1", "--app", NULL, "--start",
			       "exec python3 app.py --host 0.0.0.0 "
			       "--rollout-delay 1.5", NULL };
	json_t *it, *seen = json_object();
	size_t i;

	world_start(&w);
	args[8] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	sbx_assert_ran_clean(&w.sbx, r, 0);
	ck_assert(fabs(rr_summary_num(r, "mean_reward") - 1.0) < 1e-9);
	ck_assert_int_eq((int)rr_summary_num(r, "completed"), 8);
	json_array_foreach(json_object_get(r->result, "rollouts"), i, it)
		json_object_set_new(seen, json_string_value(json_object_get(
			it, "sandbox")), json_true());
	ck_assert_uint_ge(json_object_size(seen), 2);
	ck_assert_int_eq(rr_count_spans(r, "provision"), 4);
	ck_assert_int_eq(rr_count_spans(r, "teardown"), 4);
	json_decref(seen);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* An image the engine does not have: one clear error, nothing made. */
START_TEST(test_docker_missing_image)
{
	const char *args[] = { "--docker", "--seeds", "1", "--image",
			       "runeval-no-such-image:42", NULL };
	struct world w;
	struct rr *r = rr_new();

	world_start(&w);
	rr_run(r, args, w.sbx.env);
	ck_assert_int_eq(r->status, 2);
	ck_assert_msg(strstr(r->stderr_text, "'runeval-no-such-image:42'") &&
		      strstr(r->stderr_text, "scripts/docker-image.sh") &&
		      strstr(r->stderr_text, "pulls nothing"), "%s",
		      r->stderr_text);
	ck_assert_int_eq(docker_engine_containers(&eng), 0);
	ck_assert_int_eq(sbx_world_journals(&w.sbx), 0);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* No engine at DOCKER_HOST, or one runeval cannot speak to. */
START_TEST(test_docker_unreachable_engine)
{
	const char *args[] = { "--docker", "--seeds", "1", NULL };
	const char *env[] = { "DOCKER_HOST=unix:///nonexistent/docker.sock",
			      NULL, NULL };
	struct rr *r = rr_new();

	/* no engine: infrastructure, as bench and lifecycle say */
	rr_run(r, args, env);
	ck_assert_int_eq(r->status, 3);
	ck_assert_msg(strstr(r->stderr_text, "cannot reach the Docker engine "
			     "at 'unix:///nonexistent/docker.sock'"), "%s",
		      r->stderr_text);
	rr_free(r);
	r = rr_new();
	env[0] = "DOCKER_HOST=tcp://127.0.0.1:2375";
	rr_run(r, args, env);
	ck_assert_int_eq(r->status, 2);
	ck_assert_msg(strstr(r->stderr_text, "is not a unix socket"), "%s",
		      r->stderr_text);
	rr_free(r);
}
END_TEST

/* The app exits at start: its status and the tail of its log. */
START_TEST(test_docker_app_exits_at_start)
{
	const char *args[] = { "--docker", "--seeds", "2", "--app", NULL,
			       "--start", "exec python3 app.py --exit-at-start 3",
			       NULL };
	struct world w;
	struct rr *r = rr_new();
	uint64_t t0 = rv_now_ns();

	world_start(&w);
	args[4] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	sbx_assert_ran_clean(&w.sbx, r, 3);
	ck_assert_msg(strstr(r->stderr_text, "exited with status 3"), "%s",
		      r->stderr_text);
	ck_assert_msg(strstr(r->stderr_text, "cannot load the task set"),
		      "%s", r->stderr_text);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		r->result, "job"), "failed_phase")), "health");
	/* seen at once, not after the 30 s health timeout */
	ck_assert_uint_lt(rv_now_ns() - t0, 25 * RV_NS_PER_SEC);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* SIGINT when runeval starts phase: exit 130, nothing left. */
static void interrupt_during(const char *phase, const char *delay)
{
	const char *args[] = { "--docker", "--seeds", "3", "-v", "--app",
			       NULL, "--start", NULL, NULL };
	char *start = rv_xasprintf("exec python3 app.py --host 0.0.0.0 "
				   "--rollout-delay %s", delay);
	struct world w;

	world_start(&w);
	args[5] = w.sbx.pyapp;
	args[7] = start;
	sbx_interrupt_during(&w.sbx, args, phase, false);
	free(start);
	world_stop(&w);
}

START_TEST(test_docker_sigint_during_provision)
{
	interrupt_during("provision", "0");
}
END_TEST

START_TEST(test_docker_sigint_during_upload)
{
	interrupt_during("upload", "0");
}
END_TEST

START_TEST(test_docker_sigint_during_rollouts)
{
	interrupt_during("rollouts", "5");
}
END_TEST

/* kill -9 in the middle of the rollouts, then `runeval reap`. */
START_TEST(test_docker_kill9_then_reap)
{
	const char *args[] = { "--docker", "--seeds", "4", "--sandboxes", "2",
			       "-v", "--app", NULL, "--start", NULL, NULL };
	char *start = rv_xstrdup("exec python3 app.py --host 0.0.0.0 "
				 "--rollout-delay 10");
	struct world w;
	struct rr *r = rr_new();
	char *out;

	world_start(&w);
	args[7] = w.sbx.pyapp;
	args[9] = start;
	rr_kill9_during(r, args, w.sbx.env, "rollouts");
	/* the other shard may still have been coming up: wait for it */
	ck_assert_int_ge(docker_engine_containers(&eng), 1);
	ck_assert_int_eq(sbx_world_journals(&w.sbx), 1);

	ck_assert_int_eq(sbx_world_reap(&w.sbx, "--dry-run", NULL, &out), 0);
	ck_assert_msg(strstr(out, "would delete docker"), "%s", out);
	free(out);
	ck_assert_int_ge(docker_engine_containers(&eng), 1);

	ck_assert_int_eq(sbx_world_reap(&w.sbx, NULL, NULL, &out), 0);
	ck_assert_msg(strstr(out, "0 failed"), "%s", out);
	free(out);
	ck_assert_int_eq(docker_engine_containers(&eng), 0);
	ck_assert_int_eq(sbx_world_journals(&w.sbx), 0);
	free(start);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/*
 * --snapshot-after-install: the first container is committed after its
 * install step; the others start from that image, with what install
 * made, and skip upload and install.
 */
START_TEST(test_docker_snapshot_after_install)
{
	const char *args[] = { "--docker", "--seeds", "6", "--sandboxes", "3",
			       "--snapshot-after-install", "--app", NULL,
			       "--setup", "echo made-by-install >installed.txt",
			       "--start", "test -f installed.txt && exec "
			       "python3 app.py --host 0.0.0.0", NULL };
	struct world w;
	struct rr *r = rr_new();
	json_t *snap;

	world_start(&w);
	args[7] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	sbx_assert_ran_clean(&w.sbx, r, 0);
	ck_assert_int_eq((int)rr_summary_num(r, "completed"), 6);
	ck_assert_int_eq(rr_count_spans(r, "provision"), 1);
	ck_assert_int_eq(rr_count_spans(r, "upload"), 1);
	ck_assert_int_eq(rr_count_spans(r, "install"), 1);
	ck_assert_int_eq(rr_count_spans(r, "snapshot"), 1);
	ck_assert_int_eq(rr_count_spans(r, "restore"), 2);
	snap = rr_first_span(r, "snapshot");
	ck_assert(json_is_true(json_object_get(snap, "ok")));
	ck_assert(json_is_true(json_object_get(rr_first_span(r, "restore"),
					       "ok")));
	ck_assert(json_is_true(json_object_get(json_object_get(r->result,
		"config"), "snapshot_after_install")));
	/* the snapshot went at the end, as a job-level teardown span */
	ck_assert_int_eq(rr_count_spans(r, "teardown"), 4);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* The container of a kept sandbox, inspected through the API. */
static json_t *inspect(const char *id)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	char *url = rv_xasprintf("http://docker/v1.41/containers/%s/json", id);
	struct rv_http_request req = { .url = url, .unix_socket = eng.sock,
				       .timeout_ms = 30000 };
	json_t *j = NULL;

	if (rv_http_do(&req, &resp, NULL) == RV_OK && resp.status == 200)
		j = rv_json_parse(resp.body.data, resp.body.len, "inspect",
				  NULL);
	rv_http_response_release(&resp);
	free(url);
	return j;
}

/* --cpus and --memory reach the container; --keep, then reap --job. */
START_TEST(test_docker_limits_keep_then_reap_job)
{
	const char *args[] = { "--docker", "--seeds", "1", "--keep", "--cpus",
			       "1.5", "--memory", "512m", "--app", NULL,
			       "--start", NULL, NULL };
	struct world w;
	struct rr *r = rr_new();
	const char *id, *job;
	char *out, *jobarg;
	json_t *ct, *host;

	world_start(&w);
	args[9] = w.sbx.pyapp;
	args[11] = w.pystart;
	rr_run(r, args, w.sbx.env);
	ck_assert_msg(r->status == 0, "%s", r->stderr_text);
	ck_assert_ptr_nonnull(strstr(r->stderr_text, "kept"));
	ck_assert_int_eq(docker_engine_containers(&eng), 1);
	id = json_string_value(json_object_get(rr_first_span(r, "health"),
					       "sandbox"));
	job = json_string_value(json_object_get(json_object_get(r->result,
							       "job"), "id"));
	ct = inspect(id);
	ck_assert_ptr_nonnull(ct);
	host = json_object_get(ct, "HostConfig");
	ck_assert_int_eq(json_integer_value(json_object_get(host, "NanoCpus")),
			 1500000000LL);
	ck_assert_int_eq(json_integer_value(json_object_get(host, "Memory")),
			 512LL << 20);
	ck_assert(json_is_true(json_object_get(json_object_get(ct, "State"),
					       "Running")));
	json_decref(ct);
	ck_assert(json_real_value(json_object_get(json_object_get(r->result,
		"config"), "cpus")) == 1.5);

	/* a plain reap leaves a kept sandbox alone; --job names it */
	ck_assert_int_eq(sbx_world_reap(&w.sbx, NULL, NULL, &out), 0);
	free(out);
	ck_assert_int_eq(docker_engine_containers(&eng), 1);
	jobarg = rv_xasprintf("--job=%s", job);
	ck_assert_int_eq(sbx_world_reap(&w.sbx, jobarg, NULL, &out), 0);
	ck_assert_msg(strstr(out, "1 deleted"), "%s", out);
	free(out);
	ck_assert_int_eq(docker_engine_containers(&eng), 0);
	ck_assert_int_eq(sbx_world_journals(&w.sbx), 0);
	free(jobarg);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/*
 * An app that prints megabytes as the container's main process (the
 * boot path: its output followed from the engine's log): taskapp.log
 * keeps the head and the tail.  Lines of 1000 bytes: the engine keeps
 * each line as a JSON record, and a flood of short ones takes longer to
 * follow than this job lasts (the follow ends at the teardown).
 */
START_TEST(test_docker_flooding_app_capped)
{
	/* ten rollouts of 0.2 s one after the other: two seconds after
	   the flood for the follow to catch up before the teardown ends it
	   (with two quick ones it lost the race once under CI's load, and
	   the tail held no rollout) */
	const char *args[] = { "--docker", "--seeds", "10", "--concurrency",
			       "1", "--keep", "--app",
			       NULL, "--start", "yes \"$(head -c 1000 /dev/zero "
			       "| tr '\\0' x)\" | head -c 3000000; exec python3 "
			       "app.py --host 0.0.0.0 --rollout-delay 0.2",
			       "--log-limit", "1m", NULL };
	struct world w;
	struct rr *r = rr_new();
	const char *id, *job;
	char *out, *jobarg, *log, *logfile;

	world_start(&w);
	args[7] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	ck_assert_msg(r->status == 0, "%s", r->stderr_text);
	id = json_string_value(json_object_get(rr_first_span(r, "health"),
					       "sandbox"));
	job = json_string_value(json_object_get(json_object_get(r->result,
							       "job"), "id"));
	logfile = rv_xasprintf("%s/sandbox-%s/taskapp.log", r->out, id);
	log = tu_read_file(logfile, NULL);
	/* the kept container goes first: a failed check below must not
	   leave it to the next tests */
	jobarg = rv_xasprintf("--job=%s", job);
	ck_assert_int_eq(sbx_world_reap(&w.sbx, jobarg, NULL, &out), 0);
	free(out);
	ck_assert_int_eq(docker_engine_containers(&eng), 0);
	ck_assert_ptr_nonnull(log);
	ck_assert_uint_le(strlen(log), (1 << 20) + 400);
	ck_assert_msg(strstr(log, "xx\n[runeval: this log reached its cap "
			     "of 1048576 bytes"), "%zu bytes: %.300s",
		      strlen(log), strstr(log, "[runeval") ?
		      strstr(log, "[runeval") - 100 : log);
	ck_assert_msg(strstr(log, "bytes of output were dropped") &&
		      strstr(strstr(log, "bytes of output were dropped"),
			     "POST /rollout"), "%s", log + strlen(log) - 300);
	free(log);
	free(logfile);
	free(jobarg);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* `runeval lifecycle --docker --json` on the scratch image. */
START_TEST(test_docker_lifecycle_command)
{
	const char *args[] = { "--docker", "--image",
			       "runeval-scratch:busybox", NULL };
	struct world w;

	world_start(&w);
	rr_assert_lifecycle(args, w.sbx.env);
	ck_assert_int_eq(docker_engine_containers(&eng), 0);
	world_stop(&w);
}
END_TEST

/* Options that need a provider which supports them. */
START_TEST(test_docker_option_errors)
{
	static const char *const bad[][6] = {
		{ "--daytona", "--seeds", "1", "--cpus", "2", NULL },
		{ "--daytona", "--seeds", "1", "--snapshot-after-install",
		  NULL },
		{ "--local", "--seeds", "1", "--memory", "1g", NULL },
		{ "--docker", "--seeds", "1", "--memory", "12q", NULL },
		{ "--docker", "--seeds", "1", "--memory", "1k", NULL },
		{ "--docker", "--seeds", "1", "--cpus", "0", NULL },
	};
	static const char *const want[] = { "does not support '--cpus'",
		"does not support '--snapshot-after-install'",
		"'--memory' needs a sandbox mode", "for '--memory'",
		"for '--memory'", "for '--cpus'" };
	const char *env[] = { "DAYTONA_API_KEY=x", NULL };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[8] = { 0 };
		struct rr *r = rr_new();

		memcpy(args, bad[i], sizeof(bad[i]));
		rr_run(r, args, env);
		ck_assert_msg(r->status == 2, "case %zu: exit %d", i, r->status);
		ck_assert_msg(strstr(r->stderr_text, want[i]), "case %zu: %s",
			      i, r->stderr_text);
		rr_free(r);
	}
}
END_TEST

/* --- units ------------------------------------------------------------ */

static void collect(int stream, const char *data, size_t len, void *arg)
{
	struct rv_buf *b = arg;

	rv_buf_addf(b, "%d:", stream);
	rv_buf_add(b, data, len);
	rv_buf_addch(b, '|');
}

/* Frames split anywhere, even in their headers, come out whole. */
START_TEST(test_docker_demux_any_split)
{
	static const char in[] = "\1\0\0\0\0\0\0\5hello" "\2\0\0\0\0\0\0\3err"
		"\1\0\0\0\0\0\0\0" "\1\0\0\0\0\0\0\1!";
	const size_t n = sizeof(in) - 1;

	for (size_t step = 1; step <= n; step++) {
		struct rv_buf out = RV_BUF_INIT, joined = RV_BUF_INIT;
		struct docker_demux d;

		docker_demux_init(&d, collect, &out);
		for (size_t at = 0; at < n; at += step)
			docker_demux_feed(&d, in + at, at + step > n ? n - at :
					  step);
		/* pieces of one frame are one stream's, in order */
		for (size_t i = 0; i < out.len; i++)
			if (out.data[i] != '|' && !(out.data[i] >= '1' &&
			    out.data[i] <= '2' && out.data[i + 1] == ':'))
				rv_buf_addch(&joined, out.data[i]);
			else if (out.data[i] != '|')
				i++;
		ck_assert_str_eq(joined.data, "helloerr!");
		ck_assert_ptr_nonnull(strstr(out.data, "2:e"));
		rv_buf_release(&out);
		rv_buf_release(&joined);
	}
}
END_TEST

START_TEST(test_docker_socket_path)
{
	struct rv_err err = RV_ERR_INIT;
	char *p;

	p = docker_socket_path("unix:///run/x.sock", &err);
	ck_assert_str_eq(p, "/run/x.sock");
	free(p);
	p = docker_socket_path("/run/y.sock", &err);
	ck_assert_str_eq(p, "/run/y.sock");
	free(p);
	unsetenv("DOCKER_HOST");
	p = docker_socket_path(NULL, &err);
	ck_assert_str_eq(p, DOCKER_DEFAULT_SOCKET);
	free(p);
	ck_assert_ptr_null(docker_socket_path("ssh://host", &err));
	ck_assert_int_eq(err.code, RV_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "'ssh://host'"));
	ck_assert_ptr_null(docker_socket_path("unix://relative", &err));
}
END_TEST

/* sh -c line in dir; its exit status. */
static int sh_in(const char *dir, const char *line)
{
	char *cmd = rv_xasprintf("cd '%s' && { %s; } >/dev/null 2>&1", dir,
				 line);
	int rc = system(cmd);

	free(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/*
 * Make dir/in.tar with line, rename its members below each directory of
 * under (a file of our own after each), and unpack the result into
 * dir/ex with GNU tar.
 */
static void tar_roundtrip(const char *dir, const char *line,
			  const char *const *under)
{
	char *in = rv_xasprintf("%s/in.tar", dir), *text;
	struct rv_buf out = RV_BUF_INIT;
	struct rv_err err = RV_ERR_INIT;
	size_t len;
	FILE *o;

	ck_assert_msg(sh_in(dir, line) == 0, "%s", line);
	text = tu_read_file(in, &len);
	for (const char *const *u = under; *u; u++) {
		ck_assert_msg(docker_tar_prefix(text, len, *u, &out, &err) ==
			      RV_OK, "%s: %s", line, err.msg);
		docker_tar_file(&out, "/.boot", "echo", 4, 0700);
	}
	docker_tar_end(&out);
	o = fopen(in, "w");
	fwrite(out.data, 1, out.len, o);
	fclose(o);
	ck_assert_msg(sh_in(dir, "rm -rf ex && mkdir ex && tar -C ex -xf "
			    "in.tar") == 0, "%s", line);
	free(text);
	free(in);
	rv_buf_release(&out);
}

/* dir/rel is a file that holds "hi\n". */
static void assert_hi(const char *dir, const char *rel)
{
	char *p = rv_xasprintf("%s/%s", dir, rel);
	char *text = tu_read_file(p, NULL);

	ck_assert_msg(text && !strcmp(text, "hi\n"), "%s", p);
	free(text);
	free(p);
}

/*
 * Members renamed below a directory, as GNU tar unpacks them: long names
 * (GNU and pax headers, ustar's prefix field), hard links' targets too,
 * symbolic links' not; several archives in one, and a file of our own;
 * garbage refused.
 */
START_TEST(test_docker_tar_prefix)
{
	static const char *const formats[] = { "gnu", "pax", NULL };
	static const char *const two[] = { "/app/x", "/app/y", NULL };
	static const char *const one[] = { "/app/u", NULL };
	char *dir = tu_tmpdir(), *deep, *line, *p;
	struct rv_buf out = RV_BUF_INIT;
	struct rv_err err = RV_ERR_INIT;
	char junk[1024];
	struct stat st;

	deep = rv_xstrdup("d1-0123456789012345678901234567890123456789/"
			  "d2-0123456789012345678901234567890123456789/"
			  "d3-0123456789");
	line = rv_xasprintf("mkdir -p src/%s && echo hi > src/%s/f.txt && ln "
			    "src/%s/f.txt src/hard && ln -s %s/f.txt src/sym",
			    deep, deep, deep, deep);
	ck_assert_int_eq(sh_in(dir, line), 0);
	free(line);
	for (const char *const *f = formats; *f; f++) {
		line = rv_xasprintf("tar --format=%s -C src -cf in.tar .", *f);
		tar_roundtrip(dir, line, two);
		free(line);
		for (const char *const *app = two; *app; app++) {
			p = rv_xasprintf("ex%s/%s/f.txt", *app, deep);
			assert_hi(dir, p);
			free(p);
			p = rv_xasprintf("%s/ex%s/hard", dir, *app);
			ck_assert_int_eq(stat(p, &st), 0);
			ck_assert_int_eq(st.st_nlink, 2);
			free(p);
			line = rv_xasprintf("test \"$(readlink ex%s/sym)\" = "
					    "'%s/f.txt'", *app, deep);
			ck_assert_msg(sh_in(dir, line) == 0, "%s: %s", *f,
				      line);
			free(line);
		}
		p = rv_xasprintf("%s/ex/.boot", dir);
		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert_int_eq(st.st_mode & 07777, 0700);
		free(p);
	}
	/* ustar's own long names: a prefix field, then the name */
	line = rv_xasprintf("python3 -c \"import tarfile; t = tarfile.open("
			    "'in.tar', 'w', format=tarfile.USTAR_FORMAT); "
			    "t.add('src/%s/f.txt', arcname='%s/f.txt'); "
			    "t.close()\"", deep, deep);
	tar_roundtrip(dir, line, one);
	free(line);
	p = rv_xasprintf("ex/app/u/%s/f.txt", deep);
	assert_hi(dir, p);
	free(p);
	/* not a tar: refused, naming where */
	memset(junk, 'x', sizeof(junk));
	ck_assert_int_eq(docker_tar_prefix(junk, sizeof(junk), "/a", &out,
					   &err), RV_ERR_PROVIDER);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a tar"));
	rv_buf_release(&out);
	free(deep);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/*
 * A deferred container (provider_config.defer_start): an upload from a
 * file that is gone (and its fd number taken by another) by the time
 * the container starts still goes in, with the start; the process is
 * the container's main one, its output followed, its status the
 * container's.
 */
START_TEST(test_docker_deferred_start)
{
	struct provider_config cfg = { .job_id = "dk-deferred-test",
				       .defer_start = true };
	const struct provider_ops *ops = provider_find("docker");
	struct provider_cmd cmd = { .shell = "cat x.txt; exit 7",
				    .cwd = "/tmp/dk app" };
	struct provider_sandbox *sb = NULL;
	struct provider_proc *p = NULL;
	struct provider_proc_status st = { .running = true };
	struct rv_err err = RV_ERR_INIT;
	struct tarball_info info;
	char *dir = tu_tmpdir(), *path, *log, *text = NULL;
	int fd = memfd_create("dk-test", MFD_CLOEXEC), other;

	cfg.api_url = eng.host;
	log = rv_xasprintf("%s/app.log", dir);
	cmd.log_path = log;
	ck_assert_int_eq(tarball_pack_file("x.txt", "from-memfd\n", 11, 0644,
					   fd, &info, &err), RV_OK);
	ck_assert_msg(provider_create(ops, &cfg, &sb, &err) == RV_OK, "%s",
		      err.msg);
	path = rv_xasprintf("/proc/self/fd/%d", fd);
	ck_assert_msg(provider_upload(sb, path, info.sha256, cmd.cwd, &err) ==
		      RV_OK, "%s", err.msg);
	/* the file's number now names another, empty one */
	other = memfd_create("dk-test-other", MFD_CLOEXEC);
	ck_assert_int_eq(dup2(other, fd), fd);
	close(other);
	ck_assert_msg(provider_start_process(sb, &cmd, &p, &err) == RV_OK,
		      "%s", err.msg);
	for (int i = 0; i < 500 && st.running; i++) {
		ck_assert_int_eq(provider_process_status(sb, p, &st, &err),
				 RV_OK);
		usleep(20000);
	}
	ck_assert(!st.running);
	ck_assert_int_eq(st.exit_code, 7);
	text = tu_read_file(log, NULL);
	ck_assert_msg(text && strstr(text, "from-memfd"), "log: %s", text);
	ck_assert_int_eq(provider_destroy(sb, &err), RV_OK);
	provider_sandbox_free(sb);
	ck_assert_int_eq(docker_engine_job_containers(&eng, cfg.job_id), 0);
	close(fd);
	free(text);
	free(path);
	free(log);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* An app that listens on 127.0.0.1 only: the health error says so. */
START_TEST(test_docker_app_on_loopback)
{
	const char *args[] = { "--docker", "--seeds", "1", "--app", NULL,
			       "--start", "exec python3 app.py --host 127.0.0.1",
			       "--health-timeout", "3", NULL };
	struct world w;
	struct rr *r = rr_new();

	world_start(&w);
	args[4] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	sbx_assert_ran_clean(&w.sbx, r, 3);
	ck_assert_msg(strstr(r->stderr_text, "listens on port 8000 only on "
			     "loopback") && strstr(r->stderr_text, "0.0.0.0"),
		      "%s", r->stderr_text);
	rr_free(r);
	world_stop(&w);
}
END_TEST

static Suite *docker_suite(void)
{
	Suite *s = suite_create("docker");
	TCase *tu = tcase_create("units");
	TCase *tc = tcase_create("core");
	TCase *te = tcase_create("errors");
	TCase *tl = tcase_create("limits");

	tcase_set_timeout(tc, 300);
	tcase_set_timeout(te, 300);
	tcase_set_timeout(tl, 300);
	tcase_add_test(tu, test_docker_demux_any_split);
	tcase_add_test(tu, test_docker_socket_path);
	tcase_add_test(tu, test_docker_tar_prefix);
	tcase_add_test(tc, test_docker_bundled_five_seeds);
	tcase_add_test(tc, test_docker_python_app_four_sandboxes);
	tcase_add_test(tc, test_docker_snapshot_after_install);
	tcase_add_test(tc, test_docker_limits_keep_then_reap_job);
	tcase_add_test(tc, test_docker_flooding_app_capped);
	tcase_add_test(tc, test_docker_lifecycle_command);
	tcase_add_test(tc, test_docker_deferred_start);
	tcase_add_test(te, test_docker_missing_image);
	tcase_add_test(te, test_docker_unreachable_engine);
	tcase_add_test(te, test_docker_app_exits_at_start);
	tcase_add_test(te, test_docker_app_on_loopback);
	tcase_add_test(te, test_docker_option_errors);
	tcase_add_test(tl, test_docker_sigint_during_provision);
	tcase_add_test(tl, test_docker_sigint_during_upload);
	tcase_add_test(tl, test_docker_sigint_during_rollouts);
	tcase_add_test(tl, test_docker_kill9_then_reap);
	suite_add_tcase(s, tu);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, te);
	suite_add_tcase(s, tl);
	return s;
}

int main(void)
{
	rv_http_global_init();
	docker_engine_start_or_die(&eng, "check_docker");
	return tu_run_suite(docker_suite()) ? 1 : 0;
}
