/*
 * runeval --local end to end: build/runeval as a process against real
 * task app processes (the Python test app under tests/apps/pyapp).
 */
#include "testutil.h"

#include "runeval_run.h"
#include "rv_alloc.h"
#include "rv_clock.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static char *pyapp;

static void setup(void)
{
	pyapp = rr_pyapp_dir();
}

static void teardown(void)
{
	free(pyapp);
}

static double summary_num(const struct rr *r, const char *key)
{
	json_t *s = json_object_get(r->result, "summary");

	return json_number_value(json_object_get(s, key));
}

static const char *rollout_error(const struct rr *r, long seed)
{
	return json_string_value(json_object_get(rr_rollout(r, seed), "error"));
}

static bool rollout_ok(const struct rr *r, long seed)
{
	return json_is_true(json_object_get(rr_rollout(r, seed), "ok"));
}

/* The app is gone: its pid (from its log) no longer exists. */
static void assert_app_gone(const struct rr *r)
{
	pid_t pid = rr_app_pid(r);

	ck_assert_msg(pid > 0, "no pid in taskapp.log");
	ck_assert_msg(kill(pid, 0) < 0, "task app %d still running", pid);
}

START_TEST(test_local_pyapp_reference_and_phases)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "5", "--app", pyapp,
			       "--start", "exec python3 app.py", NULL };
	static const char *const phases[] = { "start", "preview", "health",
		"rollouts", "rollout", "teardown" };
	json_t *ph, *cfg, *job;

	ck_assert_int_eq(rr_run(r, args, NULL), 0);
	ck_assert_ptr_nonnull(r->result);
	ck_assert_str_eq(json_string_value(json_object_get(r->result,
							    "schema")),
			 "runeval.result/1");
	ck_assert(fabs(summary_num(r, "mean_reward") - 1.0) < 1e-9);
	ck_assert(fabs(summary_num(r, "success_rate") - 1.0) < 1e-9);
	ck_assert_int_eq(json_array_size(json_object_get(r->result,
							  "rollouts")), 5);
	ph = json_object_get(json_object_get(r->result, "summary"), "phases");
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		ck_assert_msg(rr_has_span(r, phases[i]), "no %s span",
			      phases[i]);
		ck_assert_msg(json_object_get(ph, phases[i]), "no %s stats",
			      phases[i]);
	}
	ck_assert_int_eq(json_integer_value(json_object_get(
		json_object_get(ph, "rollout"), "n")), 5);
	/* a key minted for the job, shown as a hint only */
	cfg = json_object_get(r->result, "config");
	ck_assert(json_is_true(json_object_get(cfg,
					       "environment_api_key_minted")));
	ck_assert_msg(strstr(json_string_value(json_object_get(cfg,
		"environment_api_key")), "...(64 chars)"), "hint");
	/* one distinct trace_correlation_id per rollout */
	for (long a = 0; a < 5; a++)
		for (long b = a + 1; b < 5; b++)
			ck_assert_str_ne(json_string_value(json_object_get(
				rr_rollout(r, a), "trace_correlation_id")),
				json_string_value(json_object_get(
				rr_rollout(r, b), "trace_correlation_id")));
	/* runeval's CPU, and the part of it the rollouts phases took */
	job = json_object_get(r->result, "job");
	ck_assert(json_number_value(json_object_get(job, "rollouts_cpu_ms")) >
		  0);
	ck_assert(json_number_value(json_object_get(job, "rollouts_cpu_ms")) <=
		  json_number_value(json_object_get(job, "cpu_ms")));
	/* the per-seed table and the phase table are on stdout */
	ck_assert_msg(strstr(r->stdout_text, "mean reward 1.000"), "%s",
		      r->stdout_text);
	ck_assert(strstr(r->stdout_text, "teardown"));
	/* the reporter's renderings next to result.json */
	for (size_t i = 0; i < 2; i++) {
		char *p = rv_xasprintf("%s/%s", r->out,
				       i ? "junit.xml" : "report.md");

		ck_assert_msg(access(p, R_OK) == 0, "no %s", p);
		free(p);
	}
	assert_app_gone(r);
	rr_free(r);
}
END_TEST

/*
 * Local mode loads neither libarchive nor libwebsockets (and their twenty
 * dependencies): the dynamic loader's own trace (LD_DEBUG=files) of the
 * runeval process says which libraries it opened.
 */
START_TEST(test_local_loads_no_sandbox_libraries)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "2", "--app", pyapp,
			       "--start", "exec python3 app.py", NULL };
	const char *env[] = { "LD_DEBUG=files", NULL };

	ck_assert_int_eq(rr_run(r, args, env), 0);
	ck_assert_msg(strstr(r->stderr_text, "file=libcurl.so.4"),
		      "no loader trace: %.300s", r->stderr_text);
	ck_assert_msg(!strstr(r->stderr_text, "libarchive.so"),
		      "local mode loaded libarchive");
	ck_assert_msg(!strstr(r->stderr_text, "libwebsockets.so"),
		      "local mode loaded libwebsockets");
	rr_free(r);
}
END_TEST

START_TEST(test_local_pyapp_noop_scores_zero_json_stdout)
{
	struct rr *r = rr_new();
	char portstr[16];
	const char *args[] = { "--local", "--seed-list", "3,7-9", "--app",
			       pyapp, "--start", "exec python3 app.py --port "
			       "\"$PORT\"", "--port", portstr,
			       "--policy", "noop", "--env-name", "minibench",
			       "--env-config", "{\"split\":\"easy\"}",
			       "--json", NULL };
	json_t *stdout_json, *d;
	int port = tu_free_port();

	snprintf(portstr, sizeof(portstr), "%d", port);
	ck_assert_int_eq(rr_run(r, args, NULL), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
		r->result, "config"), "port")), port);
	ck_assert(fabs(summary_num(r, "mean_reward")) < 1e-9);
	ck_assert(rollout_ok(r, 8));
	ck_assert_ptr_null(rr_rollout(r, 0));
	/* what the task app saw, echoed in details */
	d = json_object_get(rr_rollout(r, 7), "details");
	ck_assert_str_eq(json_string_value(json_object_get(d, "policy")),
			 "noop");
	ck_assert_str_eq(json_string_value(json_object_get(d, "env_name")),
			 "minibench");
	ck_assert_str_eq(json_string_value(json_object_get(
		json_object_get(d, "config"), "split")), "easy");
	/* --json: stdout is exactly the result */
	stdout_json = json_loads(r->stdout_text, 0, NULL);
	ck_assert_ptr_nonnull(stdout_json);
	ck_assert(json_equal(json_object_get(stdout_json, "summary"),
			     json_object_get(r->result, "summary")));
	json_decref(stdout_json);
	rr_free(r);
}
END_TEST

START_TEST(test_local_quiet_and_verbose)
{
	struct rr *q = rr_new(), *v = rr_new();
	const char *quiet[] = { "--local", "--seeds", "2", "--app", pyapp,
				"--start", "exec python3 app.py", "-q", NULL };
	const char *verbose[] = { "--local", "--seeds", "2", "--app", pyapp,
				  "--start", "exec python3 app.py",
				  "--verbose", NULL };

	ck_assert_int_eq(rr_run(q, quiet, NULL), 0);
	/* only the last line: the job's status and its outcome */
	ck_assert_msg(strstr(q->stdout_text, ": ok: mean reward 1.000, pass "
			     "rate 100.0% (2 of 2)\n") &&
		      !strchr(strchr(q->stdout_text, '\n') + 1, '\n'), "%s",
		      q->stdout_text);
	ck_assert_str_eq(q->stderr_text, "");
	ck_assert_int_eq(rr_run(v, verbose, NULL), 0);
	ck_assert_msg(strstr(v->stderr_text, "seed 1: ok, reward 1") &&
		      strstr(v->stderr_text, "health ok"), "%s",
		      v->stderr_text);
	rr_free(q);
	rr_free(v);
}
END_TEST

START_TEST(test_local_faulty_seeds_fail_with_reasons)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "8", "--app", pyapp,
			       "--start", "exec python3 app.py --fault 1:500 "
			       "--fault 2:badjson --fault 3:noreward "
			       "--fault 4:strreward --fault 5:legacy",
			       "--concurrency", "3", NULL };

	ck_assert_int_eq(rr_run(r, args, NULL), 1);
	ck_assert_msg(strstr(rollout_error(r, 1), "HTTP 500"), "%s",
		      rollout_error(r, 1));
	ck_assert_msg(strstr(rollout_error(r, 2), "malformed JSON"), "%s",
		      rollout_error(r, 2));
	ck_assert_msg(strstr(rollout_error(r, 3),
			     "missing reward_info.outcome_reward"), "%s",
		      rollout_error(r, 3));
	ck_assert_msg(strstr(rollout_error(r, 4), "not a number"), "%s",
		      rollout_error(r, 4));
	for (long s = 1; s <= 4; s++)
		ck_assert(!rollout_ok(r, s));
	ck_assert(rollout_ok(r, 0));
	ck_assert(rollout_ok(r, 5));	/* legacy metrics.outcome_score */
	ck_assert(rollout_ok(r, 6));
	ck_assert(rollout_ok(r, 7));
	ck_assert_int_eq((int)summary_num(r, "failed"), 4);
	ck_assert_int_eq((int)summary_num(r, "completed"), 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		r->result, "job"), "status")), "failed");
	ck_assert(strstr(r->stdout_text, "FAILED"));
	assert_app_gone(r);
	rr_free(r);
}
END_TEST

START_TEST(test_local_hanging_rollout_times_out_alone)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "6", "--app", pyapp,
			       "--start", "exec python3 app.py --fault 2:hang",
			       "--timeout", "2", NULL };
	uint64_t t0 = rv_now_ns();

	ck_assert_int_eq(rr_run(r, args, NULL), 1);
	ck_assert(rv_now_ns() - t0 < 10 * RV_NS_PER_SEC);
	ck_assert_msg(strstr(rollout_error(r, 2), "timeout after 2 s"), "%s",
		      rollout_error(r, 2));
	for (long s = 0; s < 6; s++)
		if (s != 2)
			ck_assert_msg(rollout_ok(r, s), "seed %ld", s);
	assert_app_gone(r);
	rr_free(r);
}
END_TEST

/* One slot, its handle and buffers kept from rollout to rollout: each
   request still carries its own seed and trace id after a failed one
   (500, bad JSON, a timeout that drops the connection), and a longer
   body (seed 10 after seed 9) goes out whole. */
START_TEST(test_local_one_slot_reused_after_failures)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "12", "--app", pyapp,
			       "--start", "exec python3 app.py --fault 1:500 "
			       "--fault 2:badjson --fault 3:hang",
			       "--concurrency", "1", "--timeout", "2", NULL };

	ck_assert_int_eq(rr_run(r, args, NULL), 1);
	ck_assert_msg(strstr(rollout_error(r, 1), "HTTP 500"), "%s",
		      rollout_error(r, 1));
	ck_assert_msg(strstr(rollout_error(r, 2), "malformed JSON"), "%s",
		      rollout_error(r, 2));
	ck_assert_msg(strstr(rollout_error(r, 3), "timeout after 2 s"), "%s",
		      rollout_error(r, 3));
	for (long s = 0; s < 12; s++) {
		json_t *d = json_object_get(rr_rollout(r, s), "details");

		if (s >= 1 && s <= 3)
			continue;
		ck_assert_msg(rollout_ok(r, s), "seed %ld: %s", s,
			      rollout_error(r, s));
		/* the app saw this seed (a stale body would show another,
		   and its echoed trace id would not match) */
		ck_assert_int_eq(json_integer_value(json_object_get(d,
								    "seed")), s);
	}
	assert_app_gone(r);
	rr_free(r);
}
END_TEST

START_TEST(test_local_never_healthy_times_out_and_tears_down)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "3", "--app", pyapp,
			       "--start", "exec python3 app.py --never-healthy",
			       "--health-timeout", "4", NULL };

	/* long enough for python to be up and answering 503 on a loaded
	 * machine, where 1.5 s once ended on "connection refused" */
	ck_assert_int_eq(rr_run(r, args, NULL), 3);
	ck_assert_msg(strstr(r->stderr_text, "not healthy after 4.0 s") &&
		      strstr(r->stderr_text, "HTTP 503"), "%s",
		      r->stderr_text);
	ck_assert(rr_has_span(r, "teardown"));
	ck_assert(!rr_has_span(r, "rollouts"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		r->result, "job"), "failed_phase")), "health");
	/* every seed still has a record */
	ck_assert_msg(strstr(rollout_error(r, 0), "not run"), "%s",
		      rollout_error(r, 0));
	assert_app_gone(r);
	rr_free(r);
}
END_TEST

START_TEST(test_local_502_then_healthy_waits_it_out)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "2", "--app", pyapp,
			       "--start", "exec python3 app.py --healthy-after 0.6",
			       NULL };
	json_t *spans = NULL, *v;
	size_t i;

	ck_assert_int_eq(rr_run(r, args, NULL), 0);
	spans = json_object_get(r->result, "spans");
	json_array_foreach(spans, i, v) {
		if (strcmp(json_string_value(json_object_get(v, "phase")),
			   "health"))
			continue;
		/* several "not yet" answers, over at least the 0.6 s */
		ck_assert(json_integer_value(json_object_get(v, "attempts")) > 3);
		ck_assert(json_number_value(json_object_get(v, "ms")) >= 600);
	}
	rr_free(r);
}
END_TEST

START_TEST(test_local_exit_at_start_reports_status_and_log)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "2", "--app", pyapp,
			       "--start", "exec python3 app.py --exit-at-start 3",
			       NULL };

	ck_assert_int_eq(rr_run(r, args, NULL), 3);
	ck_assert_msg(strstr(r->stderr_text, "exited with status 3"), "%s",
		      r->stderr_text);
	ck_assert_msg(strstr(r->stderr_text, "cannot load the task set"),
		      "%s", r->stderr_text);
	ck_assert(rr_has_span(r, "teardown"));
	rr_free(r);
}
END_TEST

/* An app that prints megabytes: its log keeps the cap's head and tail. */
START_TEST(test_local_flooding_app_log_capped)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "2", "--app", pyapp,
			       "--log-limit", "1m", "--start",
			       "yes 'flood line' | head -c 3000000; "
			       "exec python3 app.py", NULL };
	char *path, *log, *dropped;
	const char *note, *line;
	size_t len;

	ck_assert_int_eq(rr_run(r, args, NULL), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
		r->result, "config"), "log_limit")), 1 << 20);
	path = rv_xasprintf("%s/taskapp.log", r->out);
	log = tu_read_file(path, &len);
	ck_assert_msg(len > (1 << 20) - 65536 && len <= (1 << 20) + 400,
		      "taskapp.log holds %zu bytes", len);
	/* the note on a line of its own; the head's last line is the
	   flood's, whole or cut where the output came in pieces */
	note = strstr(log, "[runeval: this log reached its cap of 1048576 "
		      "bytes");
	ck_assert_ptr_nonnull(note);
	ck_assert(note - log > 1 && note[-1] == '\n');
	for (line = note - 1; line > log && line[-1] != '\n'; line--)
		;
	ck_assert_msg(note - 1 > line && !strncmp(line, "flood line",
						   (size_t)(note - 1 - line)),
		      "%.40s", line);
	dropped = strstr(log, " bytes of output were dropped; the last ");
	ck_assert_ptr_nonnull(dropped);
	/* the app's own lines, printed after the flood, are in the tail */
	ck_assert(strstr(dropped, "POST /rollout"));
	assert_app_gone(r);
	free(log);
	free(path);
	rr_free(r);
}
END_TEST

START_TEST(test_local_key_mismatch_fails_at_once)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "2", "--app", pyapp,
			       "--start", "exec python3 app.py --expect-key "
			       "some-other-key-0123456789", NULL };
	uint64_t t0 = rv_now_ns();

	ck_assert_int_eq(rr_run(r, args, NULL), 3);
	ck_assert(rv_now_ns() - t0 < 10 * RV_NS_PER_SEC);
	ck_assert_msg(strstr(r->stderr_text, "rejected the key") &&
		      strstr(r->stderr_text, "unauthorised"), "%s",
		      r->stderr_text);
	assert_app_gone(r);
	rr_free(r);
}
END_TEST

START_TEST(test_local_env_file_key_used_and_never_written)
{
	struct rr *r = rr_new();
	const char *key = "dotenv-key-5f2b9c7d1e";
	char *envf = rv_xasprintf("%s/test.env", r->dir);
	char *start = rv_xasprintf("exec python3 app.py --expect-key %s", key);
	const char *args[] = { "--local", "--seeds", "2", "--app", pyapp,
			       "--start", start, "--env-file", envf, "--json",
			       NULL };
	FILE *f = fopen(envf, "w");
	char *res_path = rv_xasprintf("%s/result.json", r->out);
	char *res;

	fprintf(f, "# test\nexport ENVIRONMENT_API_KEY='%s'\n"
		"OTHER_VALUE=\"a b\" # comment\n", key);
	fclose(f);
	ck_assert_int_eq(rr_run(r, args, NULL), 0);
	res = tu_read_file(res_path, NULL);
	ck_assert_ptr_null(strstr(res, key));
	ck_assert_ptr_null(strstr(r->stdout_text, key));
	ck_assert_ptr_null(strstr(r->stderr_text, key));
	free(res);
	free(res_path);
	free(start);
	free(envf);
	rr_free(r);
}
END_TEST

START_TEST(test_local_port_taken_is_refused)
{
	struct rr *r = rr_new();
	struct sockaddr_in a = { .sin_family = AF_INET };
	int port = tu_free_port();
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char portstr[16];
	const char *args[] = { "--local", "--seeds", "2", "--app", pyapp,
			       "--start", "exec python3 app.py",
			       "--port", portstr, NULL };

	snprintf(portstr, sizeof(portstr), "%d", port);
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(rr_run(r, args, NULL), 3);
	ck_assert_msg(strstr(r->stderr_text, "already in use"), "%s",
		      r->stderr_text);
	ck_assert_int_eq(rr_app_pid(r), -1);	/* never started */
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		r->result, "job"), "failed_phase")), "start");
	close(fd);
	rr_free(r);
}
END_TEST

/* A foreign server: answers every request with 200 {} until closed. */
static void *foreign_server(void *arg)
{
	int lfd = *(int *)arg;
	static const char ans[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
		"Connection: close\r\n\r\n{}";

	for (;;) {
		char buf[4096];
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			return NULL;
		if (read(fd, buf, sizeof(buf)) > 0 &&
		    write(fd, ans, sizeof(ans) - 1) < 0)
			break;
		close(fd);
	}
	return NULL;
}

START_TEST(test_local_port_grabbed_after_probe_is_refused)
{
	struct rr *r = rr_new();
	struct sockaddr_in a = { .sin_family = AF_INET };
	int port = tu_free_port(), fd, one = 1;
	char portstr[16];
	const char *args[] = { "--local", "--seeds", "2", "--app", pyapp,
			       "--start", "exec python3 app.py --start-delay 2",
			       "--port", portstr, NULL };
	char *log = rv_xasprintf("%s/taskapp.log", r->out);
	pthread_t th;
	pid_t pid;

	snprintf(portstr, sizeof(portstr), "%d", port);
	pid = rr_start(r, args, NULL);
	for (int k = 0; k < 500 && access(log, F_OK) < 0; k++)
		usleep(10000);	/* runeval probed the port and started */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	pthread_create(&th, NULL, foreign_server, &fd);
	rr_wait(r, pid, 30);
	ck_assert_int_eq(r->status, 3);
	ck_assert_msg(strstr(r->stderr_text, "not from the task app runeval "
			     "started"), "%s", r->stderr_text);
	ck_assert(!rr_has_span(r, "rollouts"));
	shutdown(fd, SHUT_RDWR);
	close(fd);
	pthread_join(th, NULL);
	free(log);
	rr_free(r);
}
END_TEST

START_TEST(test_local_sigint_during_rollouts)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "40", "--app", pyapp,
			       "--start", "exec python3 app.py "
			       "--rollout-delay 0.3", "--concurrency", "2",
			       NULL };
	char *log = rv_xasprintf("%s/taskapp.log", r->out);
	pid_t pid = rr_start(r, args, NULL);
	json_t *job;
	size_t cancelled = 0, i;
	json_t *v;

	for (int k = 0; k < 1000; k++) {	/* until rollouts run */
		char *text = tu_read_file(log, NULL);
		bool go = text && strstr(text, "POST /rollout");

		free(text);
		if (go)
			break;
		usleep(10000);
	}
	kill(pid, SIGINT);
	usleep(20000);
	kill(pid, SIGTERM);	/* a second signal must not skip teardown */
	rr_wait(r, pid, 30);
	ck_assert_int_eq(r->status, 130);
	assert_app_gone(r);
	ck_assert_ptr_nonnull(r->result);
	job = json_object_get(r->result, "job");
	ck_assert_str_eq(json_string_value(json_object_get(job, "status")),
			 "interrupted");
	ck_assert_int_eq(json_array_size(json_object_get(r->result,
							  "rollouts")), 40);
	json_array_foreach(json_object_get(r->result, "rollouts"), i, v)
		cancelled += !strcmp(json_string_value(json_object_get(v,
			"state")), "cancelled");
	ck_assert_msg(cancelled >= 30, "only %zu cancelled", cancelled);
	ck_assert(rr_has_span(r, "teardown"));
	free(log);
	rr_free(r);
}
END_TEST

/* Write an executable shell script. */
static void write_script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

/* A copy of build/runeval at <dir>/<rel>. */
static char *copy_runeval(const char *dir, const char *rel)
{
	char *src = tu_build_path("runeval");
	char *dst = rv_xasprintf("%s/%s", dir, rel);
	char *cmd = rv_xasprintf("mkdir -p \"$(dirname '%s')\" && cp '%s' '%s'",
				 dst, src, dst);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(src);
	return dst;
}

START_TEST(test_local_finds_the_bundled_app)
{
	struct rr *r = rr_new(), *inst = rr_new();
	const char *args[] = { "--local", "--seeds", "2", NULL };
	char *script = rv_xasprintf("exec python3 '%s/app.py' \"$@\"", pyapp);
	char *path;

	/* build tree: taskapp next to runeval */
	r->bin = copy_runeval(r->dir, "build/runeval");
	path = rv_xasprintf("%s/build/taskapp", r->dir);
	write_script(path, script);	/* gets --host 127.0.0.1 --port N */
	free(path);
	ck_assert_int_eq(rr_run(r, args, NULL), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		r->result, "config"), "app")), "bundled");
	/* installed: <prefix>/libexec/runeval/taskapp-bundle/start.sh */
	inst->bin = copy_runeval(inst->dir, "prefix/bin/runeval");
	path = rv_xasprintf("mkdir -p '%s/prefix/libexec/runeval/"
			    "taskapp-bundle'", inst->dir);
	ck_assert_int_eq(system(path), 0);
	free(path);
	path = rv_xasprintf("%s/prefix/libexec/runeval/taskapp-bundle/start.sh",
			    inst->dir);
	write_script(path, "exec python3 \"$PYAPP\" --port \"$PORT\"");
	free(path);
	path = rv_xasprintf("PYAPP=%s/app.py", pyapp);
	{
		const char *env[] = { path, NULL };
		const char *passing[] = { "--local", "--seeds", "2",
					  "--pass-env", "PYAPP", NULL };

		ck_assert_int_eq(rr_run(inst, passing, env), 0);
	}
	ck_assert(rollout_ok(inst, 1));
	free(path);
	free(script);
	rr_free(r);
	rr_free(inst);
}
END_TEST

START_TEST(test_local_usage_errors)
{
	static const char *const cases[][6] = {
		{ "--seeds", "3", NULL },
		{ "--local", NULL },
		{ "--local", "--seeds", "0", NULL },
		{ "--local", "--seed-list", "1,1", NULL },
		{ "--local", "--seeds", "2", "--env-config", "[1]", NULL },
		{ "--local", "--seeds", "2", "--env-file", "/nonexistent", NULL },
		{ "--local", "--seeds", "2", "--app", "/nonexistent", NULL },
		{ "--local", "--seeds", "2", "--bogus", NULL },
	};
	static const char *const want[] = {
		"no mode given", "no seeds", "invalid value '0' for '--seeds'",
		"seed 1 appears twice", "must be a JSON object",
		"cannot read env file", "is not a directory",
		"unknown option '--bogus'",
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct rr *r = rr_new();

		ck_assert_int_eq(rr_run(r, (const char *const *)cases[i], NULL),
				 2);
		ck_assert_msg(strstr(r->stderr_text, want[i]), "case %zu: %s",
			      i, r->stderr_text);
		rr_free(r);
	}
}
END_TEST

static Suite *local_suite(void)
{
	Suite *s = suite_create("local");
	TCase *tc = tcase_create("pyapp");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_local_pyapp_reference_and_phases);
	tcase_add_test(tc, test_local_pyapp_noop_scores_zero_json_stdout);
	tcase_add_test(tc, test_local_loads_no_sandbox_libraries);
	tcase_add_test(tc, test_local_quiet_and_verbose);
	tcase_add_test(tc, test_local_faulty_seeds_fail_with_reasons);
	tcase_add_test(tc, test_local_hanging_rollout_times_out_alone);
	tcase_add_test(tc, test_local_one_slot_reused_after_failures);
	tcase_add_test(tc, test_local_never_healthy_times_out_and_tears_down);
	tcase_add_test(tc, test_local_502_then_healthy_waits_it_out);
	tcase_add_test(tc, test_local_exit_at_start_reports_status_and_log);
	tcase_add_test(tc, test_local_flooding_app_log_capped);
	tcase_add_test(tc, test_local_key_mismatch_fails_at_once);
	tcase_add_test(tc, test_local_env_file_key_used_and_never_written);
	tcase_add_test(tc, test_local_port_taken_is_refused);
	tcase_add_test(tc, test_local_port_grabbed_after_probe_is_refused);
	tcase_add_test(tc, test_local_sigint_during_rollouts);
	tcase_add_test(tc, test_local_finds_the_bundled_app);
	tcase_add_test(tc, test_local_usage_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(local_suite()) ? 1 : 0;
}
