/*
 * Jobs that finish, end to end with runeval --local and the Python test
 * app: an app that dies mid-job is replaced and its rollouts run again,
 * --max-failures stops a broken pipeline early, and `runeval resume`
 * finishes a job that was killed (SIGKILL), interrupted (SIGINT) or that
 * failed, running only the seeds that are not done.
 */
#include "testutil.h"

#include "runeval_run.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_json.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <grp.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *pyapp;
static char start[512];

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
	return json_number_value(json_object_get(json_object_get(r->result,
						 "summary"), key));
}

static long spans_of(const struct rr *r, const char *phase)
{
	json_t *s;
	size_t i;
	long n = 0;

	json_array_foreach(json_object_get(r->result, "spans"), i, s)
		n += !strcmp(json_string_value(json_object_get(s, "phase")),
			     phase);
	return n;
}

/* Lines in the job's seed log. */
static int seedlog_lines(const struct rr *r)
{
	char *path = rv_xasprintf("%s/seeds.jsonl", r->out);
	FILE *f = fopen(path, "r");
	int n = 0, c;

	while (f && (c = fgetc(f)) != EOF)
		n += c == '\n';
	if (f)
		fclose(f);
	free(path);
	return n;
}

/*
 * The app dies (no answer) on seed 3, once: it is replaced, seed 3 runs
 * again on the new app, and every seed ends ok.  One rollout in flight
 * (--concurrency 1): the dying seed is the only one, so the death never
 * cuts another seed's answer mid-send (an answer partly received is the
 * app's and, by design, not retried); with two in flight that made the
 * test fail now and then under load.
 */
START_TEST(test_jobs_dead_app_is_replaced)
{
	struct rr *r = rr_new();
	char *marker = rv_xasprintf("%s/died", r->dir);
	const char *args[] = { "--local", "--seeds", "10", "--concurrency",
			       "1", "--app", pyapp, "--start", start, NULL };
	json_t *ro, *first;

	snprintf(start, sizeof(start), "exec python3 app.py --fault 3:die "
		 "--die-marker %s", marker);
	rr_run(r, args, NULL);
	ck_assert_msg(r->status == 0, "exit %d: %s", r->status,
		      r->stderr_text);
	ck_assert_int_eq((int)summary_num(r, "completed"), 10);
	ck_assert_int_eq(spans_of(r, "start"), 2);	/* a replacement */
	ro = rr_rollout(r, 3);
	/* the try cut by the death, then the one on the new app */
	ck_assert_int_eq(json_integer_value(json_object_get(ro, "attempts")),
			 2);
	first = json_array_get(json_object_get(ro, "tries"), 0);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(first,
								"error")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(first,
								"sandbox")));
	ck_assert_ptr_nonnull(strstr(r->stderr_text, "stopped answering"));
	/* it was healthy: its death is not said to come before that */
	ck_assert_msg(!strstr(r->stderr_text, "before it became healthy"),
		      "%s", r->stderr_text);
	/* no other seed was touched by the death */
	for (long seed = 0; seed < 10; seed++)
		if (seed != 3)
			ck_assert_int_eq(json_integer_value(json_object_get(
				rr_rollout(r, seed), "attempts")), 1);
	free(marker);
	rr_free(r);
}
END_TEST

/* More failures than --max-failures: stop, tear down, fail, and say so;
   seeds not run say why. */
START_TEST(test_jobs_max_failures_stops_early)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "40", "--concurrency",
			       "1", "--max-failures", "2", "--app", pyapp,
			       "--start", start, NULL };
	json_t *last;

	snprintf(start, sizeof(start), "exec python3 app.py --fault 0:500 "
		 "--fault 1:500 --fault 2:500 --fault 3:500");
	rr_run(r, args, NULL);
	ck_assert_msg(r->status == 1, "exit %d: %s", r->status,
		      r->stderr_text);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
		json_object_get(r->result, "job"), "error")),
		"'--max-failures'"));
	ck_assert_int_eq((int)summary_num(r, "completed"), 0);
	last = rr_rollout(r, 39);
	ck_assert_str_eq(json_string_value(json_object_get(last, "state")),
			 "cancelled");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(last,
		"error")), "stopped early"));
	/* P% of the seeds too; a bad value is a usage error */
	args[6] = "150%";
	rr_run(r, args, NULL);
	ck_assert_int_eq(r->status, 2);
	ck_assert_ptr_nonnull(strstr(r->stderr_text, "'--max-failures'"));
	rr_free(r);
}
END_TEST

/* Lines of r->out/name that hold text ("": all of them). */
static int lines_with(const struct rr *r, const char *name, const char *text)
{
	char *path = rv_xasprintf("%s/%s", r->out, name);
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	while (f && getline(&line, &cap, f) > 0)
		n += strstr(line, text) != NULL;
	if (f)
		fclose(f);
	free(line);
	free(path);
	return n;
}

/* Lines of the job's seed log that hold text (a run's header, say). */
static int seedlog_count(const struct rr *r, const char *text)
{
	return lines_with(r, "seeds.jsonl", text);
}

/* Start a slow job of seeds (2 at a time, 20 a second each; extra: one
   more option, or NULL); return once its seed log has lines lines. */
static pid_t start_slow(struct rr *r, const char *seeds, int lines,
			const char *extra)
{
	const char *args[] = { "--local", "--seeds", seeds, "--concurrency",
			       "2", "--app", pyapp, "--start", start,
			       "--no-progress", extra, NULL };
	pid_t pid;

	snprintf(start, sizeof(start), "exec python3 app.py "
		 "--rollout-delay 0.05");
	pid = rr_start(r, args, NULL);
	for (int i = 0; i < 3000 && seedlog_lines(r) < lines; i++)
		usleep(10000);
	return pid;
}

/*
 * Several providers at once (a parent and a runeval per provider): a
 * second such run in the same directory is refused as well, as is a
 * single job there, and the first one's console logs are left whole.
 */
START_TEST(test_jobs_running_multi_dir_is_refused)
{
	struct rr *r = rr_new(), *r2 = rr_new();
	const char *args[] = { "--provider", "process,bwrap", "--seeds",
			       "200", "--concurrency", "2", "--app", pyapp,
			       "--start", start, "--no-progress", NULL };
	const char *again[] = { "--provider", "process,bwrap", "--seeds",
				"2", "--app", pyapp, "--start", start,
				"--force", "--no-progress", NULL };
	const char *single[] = { "--local", "--seeds", "2", "--app", pyapp,
				 "--start", start, "--force", "--no-progress",
				 NULL };
	pid_t pid;
	int st;

	snprintf(start, sizeof(start), "exec python3 app.py "
		 "--rollout-delay 0.05");
	pid = rr_start(r, args, NULL);
	for (int i = 0; i < 3000 && lines_with(r, "process/seeds.jsonl",
					       "") < 3; i++)
		usleep(10000);
	ck_assert_int_ge(lines_with(r, "process.console.log", "job "), 1);
	free(r2->out);
	r2->out = rv_xstrdup(r->out);
	for (int k = 0; k < 2; k++) {
		rr_run(r2, k ? single : again, NULL);
		ck_assert_msg(r2->status == 2, "exit %d: %s", r2->status,
			      r2->stderr_text);
		ck_assert_msg(strstr(r2->stderr_text, "in use by another "
				     "runeval"), "%s", r2->stderr_text);
	}
	ck_assert_int_eq(waitpid(pid, &st, WNOHANG), 0);
	/* not truncated under the running job */
	ck_assert_int_ge(lines_with(r, "process.console.log", "job "), 1);
	kill(pid, SIGINT);
	rr_wait(r, pid, 60);
	ck_assert_int_eq(lines_with(r, "process.console.log", "in use"), 0);
	rr_free(r2);
	rr_free(r);
}
END_TEST

/*
 * --json prints result.json as written, byte for byte, so the details
 * the seed log holds are read back once: when the log lost them (cut
 * under the job here), that is said once, not once per copy.
 */
START_TEST(test_jobs_json_reads_the_log_once)
{
	struct rr *r = rr_new();
	char *path = rv_xasprintf("%s/result.json", r->out), *text;
	const char *warn;
	int warned = 0;
	pid_t pid = start_slow(r, "40", 5, "--json");

	ck_assert_int_eq(lines_with(r, "seeds.jsonl", "\"seedlog\":1"), 1);
	text = rv_xasprintf("%s/seeds.jsonl", r->out);
	ck_assert_int_eq(truncate(text, 0), 0);
	free(text);
	rr_wait(r, pid, 60);
	ck_assert_msg(r->status == 0, "exit %d: %s", r->status,
		      r->stderr_text);
	text = tu_read_file(path, NULL);
	ck_assert_msg(!strcmp(r->stdout_text, text), "stdout is not "
		      "result.json");
	for (warn = r->stderr_text; (warn = strstr(warn, "does not hold"));
	     warn++)
		warned++;
	ck_assert_int_eq(warned, 1);
	free(text);
	free(path);
	rr_free(r);
}
END_TEST

/* `runeval resume DIR` (with extra, NULL-ended) exits 2 saying why. */
static void assert_resume_refused(struct rr *r, const char *extra,
				  const char *why)
{
	const char *args[] = { "resume", r->out, extra, NULL };

	rr_run(r, args, NULL);
	ck_assert_msg(r->status == 2 && strstr(r->stderr_text, why),
		      "exit %d, not '%s': %s", r->status, why,
		      r->stderr_text);
}

/*
 * A resume runs the commands its log records, so it takes only a log
 * that is the user's alone and only as a regular file, keeps to its own
 * directory however --out is spelt, and reads the recorded values as
 * values: a planted or tampered log is refused (exit 2), not run.
 */
START_TEST(test_jobs_resume_refuses_what_it_cannot_trust)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "3", "--app", pyapp,
			       "--start", "exec python3 app.py",
			       "--no-progress", NULL };
	char *log = rv_xasprintf("%s/seeds.jsonl", r->out);
	char *real = rv_xasprintf("%s/real.jsonl", r->dir);
	char *other = rv_xasprintf("--out=%s", r->dir), *text, *at, *edit;
	char *bin, *wrap;
	struct group *gr;
	const char *force[] = { "--local", "--seeds", "1", "--app", pyapp,
				"--start", "exec python3 app.py", "--force",
				NULL };

	ck_assert_int_eq(rr_run(r, args, NULL), 0);
	text = tu_read_file(log, NULL);
	/* writable by others, another user's */
	ck_assert_int_eq(chmod(log, 0666), 0);
	assert_resume_refused(r, NULL, "may be written by other users");
	ck_assert_int_eq(chmod(log, 0644), 0);
	/* writable by the user's private group (umask 002): theirs alone */
	gr = getgrgid(getegid());
	if (geteuid() == 0 && gr && !gr->gr_mem[0]) {
		const char *again[] = { "resume", r->out, NULL };

		ck_assert_int_eq(chmod(log, 0664), 0);
		ck_assert_int_eq(chmod(r->out, 0775), 0);
		ck_assert_msg(rr_run(r, again, NULL) == 0, "%s",
			      r->stderr_text);
		ck_assert_int_eq(chmod(log, 0644), 0);
	}
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(log, 65534, 65534), 0);
		assert_resume_refused(r, NULL, "belongs to another user");
		ck_assert_int_eq(chown(log, 0, 0), 0);
	}
	/* --out elsewhere, spelt as one word and given last (runeval
	   through a script that adds it after the test's --out) */
	bin = tu_build_path("runeval");
	wrap = rv_xasprintf("%s/wrap.sh", r->dir);
	edit = rv_xasprintf("#!/bin/sh\nexec '%s' \"$@\" '%s'\n", bin, other);
	tu_write_file(wrap, edit);
	ck_assert_int_eq(chmod(wrap, 0755), 0);
	r->bin = wrap;
	assert_resume_refused(r, NULL, "'--out' cannot change");
	r->bin = NULL;
	free(edit);
	free(bin);
	assert_resume_refused(r, "--no-out", "'--no-out' and '--out' "
			      "contradict");
	/* a recorded flag given a value that is an option */
	at = strstr(text, "\"keep\":false");
	ck_assert_ptr_nonnull(at);
	edit = rv_xasprintf("%.*s\"keep\":\"--ca-cert=/x\"%s",
			    (int)(at - text), text, at + strlen("\"keep\":false"));
	tu_write_file(log, edit);
	assert_resume_refused(r, NULL, "option '--keep' takes no value");
	free(edit);
	/* a symbolic link: not read, not truncated by a new job */
	ck_assert_int_eq(unlink(log), 0);
	tu_write_file(real, text);
	ck_assert_int_eq(symlink(real, log), 0);
	assert_resume_refused(r, NULL, "symbolic link");
	/* a new job with --force removes the link, not what it names,
	   and makes a log of its own */
	rr_run(r, force, NULL);
	ck_assert_msg(r->status == 0, "exit %d: %s", r->status,
		      r->stderr_text);
	{
		struct stat st;

		ck_assert_int_eq(lstat(log, &st), 0);
		ck_assert(S_ISREG(st.st_mode));
	}
	free(text);
	text = tu_read_file(real, NULL);
	ck_assert_ptr_nonnull(strstr(text, "\"seedlog\":1"));
	/* a FIFO: refused at once, not read forever */
	ck_assert_int_eq(unlink(log), 0);
	ck_assert_int_eq(mkfifo(log, 0600), 0);
	assert_resume_refused(r, NULL, "not a regular file");
	free(text);
	free(wrap);
	free(other);
	free(real);
	free(log);
	rr_free(r);
}
END_TEST

/*
 * A runeval killed in bwrap mode leaves its .host-<pid> directory (a
 * copy of the toolbox, a megabyte each); the next one removes those of
 * processes that are gone, and leaves a live one's.
 */
START_TEST(test_jobs_bwrap_sweeps_dead_hosts)
{
	struct rr *r = rr_new();
	char *state = rv_xasprintf("RUNEVAL_STATE_DIR=%s/state", r->dir);
	const char *env[] = { state, NULL };
	const char *args[] = { "--bwrap", "--seeds", "1", "--app", pyapp,
			       "--start", "exec python3 app.py",
			       "--no-progress", NULL };
	char *dead, *live, *file;
	pid_t gone = fork();

	if (gone == 0)
		_exit(0);
	ck_assert_int_gt(gone, 0);
	waitpid(gone, NULL, 0);
	dead = rv_xasprintf("%s/state/bwrap/.host-%ld", r->dir, (long)gone);
	live = rv_xasprintf("%s/state/bwrap/.host-%ld", r->dir,
			    (long)getpid());
	file = rv_xasprintf("%s/daytona-lite", dead);
	ck_assert_int_eq(rv_mkdirs(dead, 0700, NULL), RV_OK);
	ck_assert_int_eq(rv_mkdirs(live, 0700, NULL), RV_OK);
	tu_write_file(file, "a copy");
	ck_assert_msg(rr_run(r, args, env) == 0, "%s", r->stderr_text);
	ck_assert_int_ne(access(dead, F_OK), 0);
	ck_assert_int_eq(access(live, F_OK), 0);
	free(file);
	free(live);
	free(dead);
	free(state);
	rr_free(r);
}
END_TEST

/*
 * A resume reaps what an earlier run left behind, not what --keep kept
 * (it deleted a kept sandbox of its job), and nothing on a dry run (it
 * deleted before saying that nothing would be done).
 */
START_TEST(test_jobs_resume_leaves_kept_sandboxes)
{
	struct rr *r = rr_new();
	char *state = rv_xasprintf("RUNEVAL_STATE_DIR=%s/state", r->dir);
	char *bin = tu_build_path("runeval"), *out = NULL, *job;
	char *log = rv_xasprintf("%s/reap.log", r->dir);
	const char *env[] = { state, NULL };
	const char *args[] = { "--bwrap", "--seeds", "1", "--keep", "--app",
			       pyapp, "--start", "exec python3 app.py",
			       "--no-progress", NULL };
	const char *dry[] = { "resume", r->out, "--dry-run", NULL };
	const char *again[] = { "resume", r->out, NULL };
	char *reap[] = { bin, "reap", "--dry-run", NULL, NULL };

	ck_assert_msg(rr_run(r, args, env) == 0, "%s", r->stderr_text);
	job = rv_xstrdup(json_string_value(json_object_get(json_object_get(
		r->result, "job"), "id")));
	for (int k = 0; k < 2; k++) {
		rr_run(r, k ? again : dry, env);
		ck_assert_msg(r->status == 0 && !strstr(r->stderr_text,
							"deleted"),
			      "exit %d: %s", r->status, r->stderr_text);
		/* its reap asks the job's provider alone: no word of the
		   others (no Daytona or E2B credentials here) */
		ck_assert_msg(!strstr(r->stderr_text, "skip provider"), "%s",
			      r->stderr_text);
		ck_assert_int_eq(tu_run(reap, (char *const *)env, log, &out),
				 0);
		ck_assert_msg(strstr(out, "1 found") &&
			      strstr(out, "kept (--keep)"), "%s", out);
		free(out);
	}
	/* named, the kept one goes */
	reap[2] = "--job";
	reap[3] = job;
	ck_assert_int_eq(tu_run(reap, (char *const *)env, log, &out), 0);
	ck_assert_msg(strstr(out, "1 deleted"), "%s", out);
	free(out);
	free(job);
	free(log);
	free(bin);
	free(state);
	rr_free(r);
}
END_TEST

/*
 * A provider API that takes connections and never answers: Ctrl-C ends
 * the job in bounded time (each cleanup call gets REMOTE_STOPPING_MS,
 * 10 s, two of them here; it took 90 s: a delete by name for a minute,
 * then a lookup), with exit 130 and its result written.
 */
START_TEST(test_jobs_sigint_against_a_silent_provider)
{
	struct rr *r = rr_new();
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char url[96], *state = rv_xasprintf("RUNEVAL_STATE_DIR=%s/state",
					    r->dir);
	const char *env[] = { url, "DAYTONA_API_KEY=k", state, NULL };
	const char *args[] = { "--daytona", "--seeds", "1", "--no-progress",
			       NULL };
	uint64_t t0;
	pid_t pid;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(s, 64), 0);	/* never accepted */
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	snprintf(url, sizeof(url), "DAYTONA_API_URL=http://127.0.0.1:%d/api",
		 ntohs(a.sin_port));
	pid = rr_start(r, args, env);
	/* into the create, which the API never answers: its connection
	   waits in the listener's queue */
	ck_assert_int_eq(poll(&(struct pollfd){ .fd = s, .events = POLLIN },
			      1, 60000), 1);
	usleep(300 * 1000);
	t0 = rv_now_ns();
	kill(pid, SIGINT);
	rr_wait(r, pid, 120);
	ck_assert_msg(r->status == 130, "exit %d: %s", r->status,
		      r->stderr_text);
	ck_assert_msg(rv_now_ns() - t0 < 40 * RV_NS_PER_SEC, "%.1f s",
		      (double)(rv_now_ns() - t0) / 1e9);
	ck_assert_msg(strstr(r->stderr_text, "interrupted"), "%s",
		      r->stderr_text);
	ck_assert_ptr_nonnull(r->result);
	close(s);
	free(state);
	rr_free(r);
}
END_TEST

/*
 * Under --no-out an app that fails to start is quoted, not pointed at:
 * its log is in a directory removed when runeval exits.
 */
START_TEST(test_jobs_no_out_failure_quotes_the_log)
{
	char *dir = tu_tmpdir(), *bin = tu_build_path("runeval"), *out = NULL;
	char *log = rv_xasprintf("%s/log", dir);
	char *argv[] = { bin, "--local", "--seeds", "1", "--app", pyapp,
			 "--start", "echo boom-7; exit 3", "--no-out",
			 "--env-file", "/dev/null", NULL };

	ck_assert_int_eq(tu_run(argv, NULL, log, &out), 3);
	ck_assert_msg(strstr(out, "(--no-out: not kept) ---\nboom-7\n") &&
		      !strstr(out, "output is in"), "%s", out);
	free(out);
	free(log);
	free(bin);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* Start a slow job and SIGKILL (or SIGINT) it once a few seeds ended. */
static void run_and_stop(struct rr *r, int sig)
{
	pid_t pid = start_slow(r, "30", 7, NULL);

	kill(pid, sig);
	rr_wait(r, pid, 60);
}

/*
 * While a job runs, its directory is its own: a second job there
 * (--force), a resume of it and several providers' run are refused
 * with exit 2, before they change anything, and the job ends with its
 * log and result whole.
 * Once it has ended, the directory is free again.
 */
START_TEST(test_jobs_running_dir_is_refused)
{
	struct rr *r = rr_new(), *r2 = rr_new();
	const char *again[] = { "--local", "--seeds", "2", "--app", pyapp,
				"--start", start, "--force", "--no-progress",
				NULL };
	const char *multi[] = { "--provider", "process,bwrap", "--seeds",
				"2", "--app", pyapp, "--start", start,
				"--force", "--no-progress", NULL };
	const char *resume[] = { "resume", NULL, NULL };
	const char *const *tries[] = { again, resume, multi };
	const char *id;
	char *header;
	pid_t pid;
	int st;

	pid = start_slow(r, "200", 3, NULL);
	free(r2->out);
	r2->out = rv_xstrdup(r->out);
	resume[1] = r->out;
	for (int k = 0; k < 3; k++) {
		rr_run(r2, tries[k], NULL);
		ck_assert_msg(r2->status == 2, "exit %d: %s", r2->status,
			      r2->stderr_text);
		ck_assert_msg(strstr(r2->stderr_text, "in use by another "
				     "runeval"), "%s", r2->stderr_text);
	}
	/* 200 seeds at 2 x 20 a second: still running, as the test needs */
	ck_assert_int_eq(waitpid(pid, &st, WNOHANG), 0);
	kill(pid, SIGINT);
	rr_wait(r, pid, 60);
	ck_assert_int_eq(r->status, 130);
	ck_assert_int_eq(seedlog_count(r, "\"seedlog\":1"), 1);
	ck_assert_int_ge((int)summary_num(r, "completed"), 2);
	/* the result is the first job's: its id is the log's only header's */
	id = json_string_value(json_object_get(json_object_get(r->result,
							       "job"), "id"));
	ck_assert_ptr_nonnull(id);
	header = rv_xasprintf("\"job\":\"%s\"", id);
	ck_assert_int_eq(seedlog_count(r, header), 1);
	free(header);
	/* ended: the directory is free */
	rr_run(r2, again, NULL);
	ck_assert_msg(r2->status == 0, "exit %d: %s", r2->status,
		      r2->stderr_text);
	ck_assert_int_eq((int)summary_num(r2, "completed"), 2);
	rr_free(r2);
	rr_free(r);
}
END_TEST

/*
 * Every seed's details in result.json are those of its last line in the
 * seed log, whole: those of the seeds a resume read back, which it
 * leaves in the file (seedlog.h), as much as the ones it ran.
 */
static void assert_details_as_logged(const struct rr *r, long n)
{
	char *path = rv_xasprintf("%s/seeds.jsonl", r->out);
	FILE *f = fopen(path, "r");
	json_t **last = calloc((size_t)n, sizeof(*last));
	char *line = NULL;
	size_t cap = 0;

	ck_assert_ptr_nonnull(f);
	while (getline(&line, &cap, f) > 0) {
		json_t *v = json_loads(line, 0, NULL);
		json_int_t seed;

		if (!v)		/* a line cut by the kill */
			continue;
		seed = json_integer_value(json_object_get(v, "seed"));
		if (!json_object_get(v, "seedlog") && seed >= 0 && seed < n) {
			json_decref(last[seed]);
			last[seed] = json_incref(json_object_get(v,
								 "details"));
		}
		json_decref(v);
	}
	for (long i = 0; i < n; i++) {
		json_t *d = json_object_get(rr_rollout(r, i), "details");

		ck_assert_msg(json_is_object(d), "seed %ld: no details", i);
		ck_assert_msg(json_equal(d, last[i]), "seed %ld", i);
		json_decref(last[i]);
	}
	ck_assert_ptr_null(strstr(r->stderr_text, "does not hold"));
	free(last);
	free(line);
	fclose(f);
	free(path);
}

static void resume_and_check(struct rr *r, int earlier_lines)
{
	const char *args[] = { "resume", r->out, NULL };
	size_t i, before = 0;
	json_t *ro;

	rr_run(r, args, NULL);
	ck_assert_msg(r->status == 0, "exit %d: %s", r->status,
		      r->stderr_text);
	ck_assert_int_eq((int)summary_num(r, "completed"), 30);
	ck_assert_uint_eq(json_array_size(json_object_get(r->result,
							  "rollouts")), 30);
	json_array_foreach(json_object_get(r->result, "rollouts"), i, ro)
		before += !json_object_get(ro, "run");
	/* the seeds done before were not run again */
	ck_assert_int_ge((int)before, earlier_lines - 2);
	ck_assert_int_lt((int)before, 30);
	assert_details_as_logged(r, 30);
}

START_TEST(test_jobs_resume_after_kill9)
{
	struct rr *r = rr_new();
	const char *diff[] = { "resume", NULL, "--policy", "noop", NULL };
	int lines;

	run_and_stop(r, SIGKILL);
	ck_assert_int_eq(r->status, 128 + SIGKILL);
	ck_assert_ptr_null(r->result);
	lines = seedlog_lines(r);
	ck_assert_int_ge(lines, 7);
	/* a different configuration is refused, with the difference */
	diff[1] = r->out;
	rr_run(r, diff, NULL);
	ck_assert_int_eq(r->status, 2);
	ck_assert_msg(strstr(r->stderr_text, "policy: \"noop\" (was "
			     "\"reference\")"), "%s", r->stderr_text);
	resume_and_check(r, lines - 1);
	rr_free(r);
}
END_TEST

/* The spans of phase in r's result, and the first one's start_ms. */
static size_t phase_spans(const struct rr *r, const char *phase,
			  double *first)
{
	json_t *sp;
	size_t i, n = 0;

	*first = NAN;
	json_array_foreach(json_object_get(r->result, "spans"), i, sp) {
		if (strcmp(rv_json_str(sp, "phase"), phase))
			continue;
		if (!n++)
			*first = json_number_value(json_object_get(sp,
								   "start_ms"));
	}
	return n;
}

/* -q on an interrupted job: the seeds it never ran in one line */
START_TEST(test_jobs_quiet_interrupted_one_line)
{
	struct rr *r = rr_new();
	pid_t pid = start_slow(r, "200", 5, "-q");
	unsigned n = 0;
	const char *at;

	kill(pid, SIGINT);
	rr_wait(r, pid, 60);
	ck_assert_int_eq(r->status, 130);
	at = strstr(r->stdout_text, " rollouts cancelled or never run (the "
		    "first: ");
	ck_assert_msg(at, "%s", r->stdout_text);
	while (at > r->stdout_text && at[-1] != '\n')
		at--;
	ck_assert_int_eq(sscanf(at, "%u", &n), 1);
	ck_assert_uint_gt(n, 100);
	ck_assert_msg(!strstr(r->stdout_text, "not run: interrupted"), "%s",
		      r->stdout_text);
	rr_free(r);
}
END_TEST

START_TEST(test_jobs_resume_after_sigint)
{
	struct rr *r = rr_new();
	const char *again[] = { "resume", r->out, NULL };
	double t0, t1;
	char *hint, *started;
	size_t rollouts;

	run_and_stop(r, SIGINT);
	ck_assert_int_eq(r->status, 130);
	ck_assert_ptr_nonnull(r->result);
	/* the way on is said */
	hint = rv_xasprintf("seeds are not done; to run them: runeval resume "
			    "%s", r->out);
	ck_assert_msg(strstr(r->stderr_text, hint), "%s", r->stderr_text);
	free(hint);
	started = rv_xstrdup(rv_json_str(r->result, "job.started_utc"));
	rollouts = phase_spans(r, "rollout", &t0);
	ck_assert_int_eq(phase_spans(r, "start", &t0), 1);
	resume_and_check(r, (int)summary_num(r, "completed") + 1);
	/* result.json times the whole job: the first run's spans, from the
	   job's first start, then the resume's (it kept its own alone) */
	ck_assert_str_eq(rv_json_str(r->result, "job.started_utc"), started);
	ck_assert_int_eq(phase_spans(r, "start", &t1), 2);
	ck_assert(t1 == t0);
	ck_assert_uint_gt(phase_spans(r, "rollout", &t1), rollouts);
	/* a resume with nothing left to run leaves the result as it is */
	free(started);
	hint = rv_xasprintf("%s/result.json", r->out);
	started = tu_read_file(hint, NULL);
	rr_run(r, again, NULL);
	ck_assert_msg(r->status == 0 && strstr(r->stderr_text, "nothing to "
					       "resume"), "exit %d: %s",
		      r->status, r->stderr_text);
	{
		char *now = tu_read_file(hint, NULL);

		ck_assert_str_eq(now, started);
		free(now);
	}
	free(hint);
	free(started);
	rr_free(r);
}
END_TEST

/* A job that failed (its only app died, no replacement allowed) is
   finished by a resume; seed 3 keeps the try that failed. */
START_TEST(test_jobs_resume_after_failure)
{
	struct rr *r = rr_new();
	char *marker = rv_xasprintf("%s/died", r->dir);
	const char *args[] = { "--local", "--seeds", "10", "--concurrency",
			       "1", "--sandbox-retries", "0", "--app", pyapp,
			       "--start", start, NULL };
	const char *res[] = { "resume", r->out, NULL };
	json_t *ro;

	snprintf(start, sizeof(start), "exec python3 app.py --fault 3:die "
		 "--die-marker %s", marker);
	rr_run(r, args, NULL);
	ck_assert_msg(r->status == 3, "exit %d: %s", r->status,
		      r->stderr_text);
	ck_assert_int_eq((int)summary_num(r, "completed"), 3);
	/* a FIFO in result.json's place is not waited on (open() did,
	   for good, deaf to signals): the earlier timings go, with a word */
	{
		char *res_json = rv_xasprintf("%s/result.json", r->out);

		ck_assert_int_eq(unlink(res_json), 0);
		ck_assert_int_eq(mkfifo(res_json, 0600), 0);
		free(res_json);
	}
	rr_run(r, res, NULL);
	ck_assert_msg(r->status == 0, "exit %d: %s", r->status,
		      r->stderr_text);
	ck_assert_msg(strstr(r->stderr_text, "is not a regular file"), "%s",
		      r->stderr_text);
	ck_assert_int_eq((int)summary_num(r, "completed"), 10);
	ro = rr_rollout(r, 3);
	ck_assert_int_ge(json_integer_value(json_object_get(ro, "attempts")),
			 2);
	ck_assert_int_eq(json_integer_value(json_object_get(ro, "run")), 1);
	ck_assert_ptr_null(json_object_get(rr_rollout(r, 0), "run"));
	free(marker);
	rr_free(r);
}
END_TEST

/*
 * Two bring-ups fail, each its own way: the job's error is the first
 * failure's, and so is the log tail shown under it (it used to be the
 * last replacement's, under the first one's message).
 */
START_TEST(test_jobs_failure_tail_is_the_failures_own)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "2", "--sandbox-retries",
			       "1", "--app", pyapp, "--start", start, NULL };
	const char *first, *tail;

	snprintf(start, sizeof(start), "n=$(cat %s/tries 2>/dev/null || echo "
		 "0); n=$((n + 1)); echo $n > %s/tries; echo try-$n-failed; "
		 "exit $((n + 40))", r->dir, r->dir);
	rr_run(r, args, NULL);
	ck_assert_msg(r->status == 3, "exit %d: %s", r->status,
		      r->stderr_text);
	first = strstr(r->stderr_text, "status 41");
	tail = strstr(r->stderr_text, "--- last lines of ");
	ck_assert_msg(first && tail && first < tail, "%s", r->stderr_text);
	ck_assert_msg(strstr(tail, "try-1-failed"), "%s", r->stderr_text);
	ck_assert_msg(!strstr(tail, "try-2-failed"), "%s", r->stderr_text);
	rr_free(r);
}
END_TEST

/* Is pid gone (or a zombie nobody reaps: this host's pid 1 may not)? */
static bool pid_gone(pid_t pid)
{
	char path[64], st[512];
	FILE *f;
	char *close_paren;
	bool gone;

	if (kill(pid, 0) < 0)
		return true;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	gone = !fgets(st, sizeof(st), f);
	fclose(f);
	close_paren = gone ? NULL : strrchr(st, ')');
	return gone || (close_paren && close_paren[1] == ' ' &&
			close_paren[2] == 'Z');
}

/*
 * runeval killed by SIGKILL takes the whole app down with it: the app's
 * own children too (a background job of its start command here; an
 * app's server workers in life), not only the app, which dies with its
 * parent anyway.
 */
START_TEST(test_jobs_kill9_leaves_no_app_child)
{
	struct rr *r = rr_new();
	char *child = rv_xasprintf("%s/child", r->dir);
	const char *args[] = { "--local", "--seeds", "30", "--concurrency",
			       "2", "--app", pyapp, "--start", start,
			       "--no-progress", NULL };
	char *text;
	pid_t pid, kid = 0;

	snprintf(start, sizeof(start), "sleep 300 & echo $! > %s; exec "
		 "python3 app.py --rollout-delay 0.05", child);
	pid = rr_start(r, args, NULL);
	for (int i = 0; i < 3000 && seedlog_lines(r) < 3; i++)
		usleep(10000);
	text = tu_read_file(child, NULL);
	ck_assert_ptr_nonnull(text);
	kid = (pid_t)atol(text);
	free(text);
	ck_assert_int_gt(kid, 1);
	ck_assert_msg(!pid_gone(kid), "the app's child is not running");
	kill(pid, SIGKILL);
	rr_wait(r, pid, 60);
	ck_assert_int_eq(r->status, 128 + SIGKILL);
	for (int i = 0; i < 500 && !pid_gone(kid); i++)
		usleep(10000);
	ck_assert_msg(pid_gone(kid), "the app's child %ld outlived runeval",
		      (long)kid);
	free(child);
	rr_free(r);
}
END_TEST

static Suite *jobs_suite(void)
{
	Suite *s = suite_create("jobs");
	TCase *tc = tcase_create("local");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_jobs_dead_app_is_replaced);
	tcase_add_test(tc, test_jobs_failure_tail_is_the_failures_own);
	tcase_add_test(tc, test_jobs_kill9_leaves_no_app_child);
	tcase_add_test(tc, test_jobs_max_failures_stops_early);
	tcase_add_test(tc, test_jobs_resume_after_kill9);
	tcase_add_test(tc, test_jobs_resume_after_sigint);
	tcase_add_test(tc, test_jobs_quiet_interrupted_one_line);
	tcase_add_test(tc, test_jobs_resume_after_failure);
	tcase_add_test(tc, test_jobs_running_dir_is_refused);
	tcase_add_test(tc, test_jobs_running_multi_dir_is_refused);
	tcase_add_test(tc, test_jobs_json_reads_the_log_once);
	tcase_add_test(tc, test_jobs_resume_refuses_what_it_cannot_trust);
	tcase_add_test(tc, test_jobs_resume_leaves_kept_sandboxes);
	tcase_add_test(tc, test_jobs_bwrap_sweeps_dead_hosts);
	tcase_add_test(tc, test_jobs_sigint_against_a_silent_provider);
	tcase_add_test(tc, test_jobs_no_out_failure_quotes_the_log);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(jobs_suite()) ? 1 : 0;
}
