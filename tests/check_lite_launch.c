/*
 * `runeval --daytona --lite` and `runeval --e2b --lite`: a job with no
 * account, against the provider's offline server (daytona-lite,
 * e2b-lite) that runeval starts for the job and stops after it, with
 * nothing left behind (no server, no state directory), also after Ctrl-C;
 * the provider's variables in the environment (a dead endpoint) do not
 * lead it astray.
 */
#include "testutil.h"
#include "runeval_run.h"

#include "rv_alloc.h"
#include "rv_json.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Entries of dir (0 when it is empty or gone). */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

/* The names in dir, for messages ("a b "; malloc'ed, may be ""). */
static char *names_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *all = rv_xstrdup(""), *more;

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		more = rv_xasprintf("%s%s ", all, de->d_name);
		free(all);
		all = more;
	}
	if (d)
		closedir(d);
	return all;
}

/* A process whose command line holds needle; its line into line. */
static bool running_with_line(const char *needle, char *line, size_t size)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d))) {
		char path[300], buf[4096];
		FILE *f;
		size_t n;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		for (size_t i = 0; i < n; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[n] = '\0';
		found = strstr(buf, needle) != NULL;
		if (found && line)
			snprintf(line, size, "%s", buf);
	}
	if (d)
		closedir(d);
	return found;
}

static bool running_with(const char *needle)
{
	return running_with_line(needle, NULL, 0);
}

/* A provider with an offline server, and the environment that must not
   matter to its --lite job: a dead endpoint and an empty key. */
struct ll_kind {
	const char *flag;	/* "--daytona" */
	const char *provider;	/* "daytona" */
	const char *server;	/* "daytona-lite" */
	const char *const *env;	/* "K=V", NULL-ended, at most 4 */
};

static const struct ll_kind ll_daytona = {
	.flag = "--daytona", .provider = "daytona", .server = "daytona-lite",
	.env = (const char *const[]){ "DAYTONA_API_KEY=",
		"DAYTONA_API_URL=http://127.0.0.1:9/api", NULL },
};

static const struct ll_kind ll_e2b = {
	.flag = "--e2b", .provider = "e2b", .server = "e2b-lite",
	.env = (const char *const[]){ "E2B_API_KEY=",
		"E2B_API_URL=http://127.0.0.1:9",
		"E2B_SANDBOX_URL=http://127.0.0.1:9",
		"E2B_DOMAIN=nowhere.invalid", NULL },
};

/* The environment of a --lite run: its own TMPDIR, journal, k's env. */
struct lite_env {
	char *tmp, *state;
	char *kv[7];
};

static void lite_env_init(struct lite_env *e, const struct rr *r,
			  const struct ll_kind *k)
{
	int n = 0;

	e->tmp = rv_xasprintf("%s/tmp", r->dir);
	e->state = rv_xasprintf("%s/state", r->dir);
	ck_assert_int_eq(mkdir(e->tmp, 0755), 0);
	e->kv[n++] = rv_xasprintf("TMPDIR=%s", e->tmp);
	e->kv[n++] = rv_xasprintf("RUNEVAL_STATE_DIR=%s", e->state);
	for (const char *const *v = k->env; *v && n < 6; v++)
		e->kv[n++] = rv_xstrdup(*v);
	e->kv[n] = NULL;
}

static void lite_env_release(struct lite_env *e)
{
	for (int i = 0; e->kv[i]; i++)
		free(e->kv[i]);
	free(e->tmp);
	free(e->state);
}

static void lite_job_runs_and_leaves_nothing(const struct ll_kind *k)
{
	struct rr *r = rr_new();
	struct lite_env e;
	const char *url;

	lite_env_init(&e, r, k);
	rr_run(r, (const char *[]){ k->flag, "--lite", "--seeds", "3",
		   "--no-progress", NULL }, (const char *const *)e.kv);
	ck_assert_msg(r->status == 0, "status %d: %s", r->status,
		      r->stderr_text);
	ck_assert_ptr_nonnull(r->result);
	ck_assert_str_eq(rv_json_str(r->result, "environment.server"),
			 k->server);
	ck_assert_str_eq(rv_json_str(r->result, "environment.provider"),
			 k->provider);
	/* its own server, not the (dead) endpoint of the env */
	url = rv_json_str(r->result, "environment.api_url");
	ck_assert_msg(url && !strncmp(url, "http://127.0.0.1:", 17) &&
		      strcmp(url + 17, "9") && strncmp(url + 17, "9/", 2),
		      "%s", url ? url : "(null)");
	for (long s = 0; s < 3; s++)
		ck_assert(json_is_true(json_object_get(rr_rollout(r, s),
						       "ok")));
	/* stopped, and its state directory is gone */
	ck_assert_int_eq(entries(e.tmp), 0);
	ck_assert(!running_with(e.tmp));
	lite_env_release(&e);
	rr_free(r);
}

/* No journal is left in e's state directory; e and r are released. */
static void lite_no_journal_left(struct lite_env *e, struct rr *r)
{
	char *jobs = rv_xasprintf("%s/jobs", e->state);

	ck_assert_int_eq(entries(jobs), 0);
	free(jobs);
	lite_env_release(e);
	rr_free(r);
}

/* A --lite job of 40 seeds, started and let run until its server has
   made a sandbox and used it for a while. */
static pid_t lite_busy_job(struct rr *r, struct lite_env *e,
			   const struct ll_kind *k)
{
	pid_t pid = rr_start(r, (const char *[]){ k->flag, "--lite",
			     "--seeds", "40", "--concurrency", "2",
			     "--no-progress", NULL },
			     (const char *const *)e->kv);

	for (int i = 0; i < 3000 && entries(e->tmp) == 0; i++)
		usleep(10000);
	ck_assert_int_gt(entries(e->tmp), 0);
	usleep(700 * 1000);
	return pid;
}

static void lite_interrupted_job_leaves_nothing(const struct ll_kind *k)
{
	struct rr *r = rr_new();
	struct lite_env e;
	char *server, line[4096];
	pid_t pid;

	lite_env_init(&e, r, k);
	/* once the server runs and the sandbox is being made or used */
	pid = lite_busy_job(r, &e, k);
	/* the server's key is in its environment, not on its command line
	   (which any user reads with ps) */
	server = rv_xasprintf("--state-dir %s", e.tmp);
	ck_assert(running_with_line(server, line, sizeof(line)));
	ck_assert_msg(!strstr(line, "--api-key"), "%s", line);
	free(server);
	kill(pid, SIGINT);
	rr_wait(r, pid, 120);
	ck_assert_msg(r->status == 130, "status %d: %s", r->status,
		      r->stderr_text);
	ck_assert_int_eq(entries(e.tmp), 0);
	ck_assert(!running_with(e.tmp));
	/* teardown reached the server before it stopped */
	lite_no_journal_left(&e, r);
}

/*
 * runeval killed (SIGKILL) mid-job: its server stops too (PDEATHSIG)
 * and takes its sandboxes and its state directory with it (it stayed
 * in TMPDIR, a sandbox's files and all), and no journal is left for `runeval
 * reap` to fail on forever (it named a loopback URL that is gone).
 */
START_TEST(test_lite_killed_job_leaves_nothing_to_reap)
{
	struct rr *r = rr_new();
	struct lite_env e;
	pid_t pid;
	int i;

	lite_env_init(&e, r, &ll_daytona);
	pid = lite_busy_job(r, &e, &ll_daytona);
	kill(pid, SIGKILL);
	rr_wait(r, pid, 60);
	for (i = 0; i < 600 && running_with(e.tmp); i++)
		usleep(50000);
	ck_assert(!running_with(e.tmp));
	/* nor its state directory: the server removed it as it stopped */
	{
		char *left = names_in(e.tmp), *log = NULL;

		if (*left) {
			char *path = rv_xasprintf("%s/%.*s/server.log", e.tmp,
						  (int)strcspn(left, " "),
						  left);

			log = tu_read_file(path, NULL);
			free(path);
		}
		ck_assert_msg(!*left, "left in TMPDIR: %s (its server.log: "
			      "%s)", left, log ? log : "none");
		free(log);
		free(left);
	}
	lite_no_journal_left(&e, r);
}
END_TEST

/*
 * A failed --setup under --no-out: its output is quoted, and no file is
 * named (the directory that held setup.log goes when runeval exits).
 */
START_TEST(test_lite_no_out_setup_failure_names_no_file)
{
	struct rr *r = rr_new();
	struct lite_env e;
	char *bin = tu_build_path("runeval"), *out = NULL;
	char *log = rv_xasprintf("%s/run.log", r->dir);
	char *argv[] = { bin, "--daytona", "--lite", "--seeds", "1",
			 "--setup", "echo boom-9; exit 3", "--sandbox-retries",
			 "0", "--no-out", "--no-progress", "--env-file",
			 "/dev/null", NULL };

	lite_env_init(&e, r, &ll_daytona);
	ck_assert_int_eq(tu_run(argv, e.kv, log, &out), 3);
	ck_assert_msg(strstr(out, "failed with exit 3: boom-9") &&
		      !strstr(out, "output in") && !strstr(out, "setup.log"),
		      "%s", out);
	ck_assert_int_eq(entries(e.tmp), 0);
	free(out);
	free(log);
	free(bin);
	lite_env_release(&e);
	rr_free(r);
}
END_TEST

START_TEST(test_lite_job_runs_and_leaves_nothing)
{
	lite_job_runs_and_leaves_nothing(&ll_daytona);
}
END_TEST

START_TEST(test_lite_interrupted_job_leaves_nothing)
{
	lite_interrupted_job_leaves_nothing(&ll_daytona);
}
END_TEST

START_TEST(test_lite_e2b_job_runs_and_leaves_nothing)
{
	lite_job_runs_and_leaves_nothing(&ll_e2b);
}
END_TEST

START_TEST(test_lite_e2b_interrupted_job_leaves_nothing)
{
	lite_interrupted_job_leaves_nothing(&ll_e2b);
}
END_TEST

START_TEST(test_missing_credentials_point_to_lite)
{
	static const char *const flags[] = { "--daytona", "--e2b" };
	static const char *const keys[] = { "DAYTONA_API_KEY", "E2B_API_KEY" };
	static const char *const urls[] = { "DAYTONA_API_URL", "E2B_API_URL" };
	struct rr *r;

	for (int i = 0; i < 2; i++) {
		r = rr_new();
		rr_run(r, (const char *[]){ flags[i], "--seeds", "1", NULL },
		       (const char *[]){ "DAYTONA_API_KEY=",
					 "DAYTONA_JWT_TOKEN=", "E2B_API_KEY=",
					 NULL });
		ck_assert_int_eq(r->status, 2);
		ck_assert_msg(strstr(r->stderr_text, keys[i]) &&
			      strstr(r->stderr_text, urls[i]) &&
			      strstr(r->stderr_text, "--lite"), "%s",
			      r->stderr_text);
		rr_free(r);
	}

	r = rr_new();
	rr_run(r, (const char *[]){ "--local", "--lite", "--seeds", "1",
		   NULL }, NULL);
	ck_assert_int_eq(r->status, 2);
	ck_assert_msg(strstr(r->stderr_text, "'--lite' needs a provider with "
			     "an offline server"), "%s", r->stderr_text);
	rr_free(r);
}
END_TEST

static Suite *lite_launch_suite(void)
{
	Suite *s = suite_create("lite_launch");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_lite_job_runs_and_leaves_nothing);
	tcase_add_test(tc, test_lite_interrupted_job_leaves_nothing);
	tcase_add_test(tc, test_lite_e2b_job_runs_and_leaves_nothing);
	tcase_add_test(tc, test_lite_e2b_interrupted_job_leaves_nothing);
	tcase_add_test(tc, test_lite_killed_job_leaves_nothing_to_reap);
	tcase_add_test(tc, test_missing_credentials_point_to_lite);
	tcase_add_test(tc, test_lite_no_out_setup_failure_names_no_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(lite_launch_suite()) ? 1 : 0;
}
