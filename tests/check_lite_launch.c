/*
 * `runeval --daytona --lite`: a Daytona job with no account, against a
 * daytona-lite that runeval starts for the job and stops after it, with
 * nothing left behind (no server, no state directory), also after Ctrl-C.
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

/* Is a process whose command line mentions needle still alive? */
static bool running_with(const char *needle)
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
	}
	if (d)
		closedir(d);
	return found;
}

/* The environment of a --lite run: its own TMPDIR, journal, no key. */
struct lite_env {
	char *tmp, *state;
	char *kv[5];
};

static void lite_env_init(struct lite_env *e, const struct rr *r)
{
	e->tmp = rv_xasprintf("%s/tmp", r->dir);
	e->state = rv_xasprintf("%s/state", r->dir);
	ck_assert_int_eq(mkdir(e->tmp, 0755), 0);
	e->kv[0] = rv_xasprintf("TMPDIR=%s", e->tmp);
	e->kv[1] = rv_xasprintf("RUNEVAL_STATE_DIR=%s", e->state);
	e->kv[2] = rv_xstrdup("DAYTONA_API_KEY=");
	e->kv[3] = rv_xstrdup("DAYTONA_API_URL=http://127.0.0.1:9/api");
	e->kv[4] = NULL;
}

static void lite_env_release(struct lite_env *e)
{
	for (int i = 0; e->kv[i]; i++)
		free(e->kv[i]);
	free(e->tmp);
	free(e->state);
}

START_TEST(test_lite_job_runs_and_leaves_nothing)
{
	struct rr *r = rr_new();
	struct lite_env e;
	const char *url;

	lite_env_init(&e, r);
	rr_run(r, (const char *[]){ "--daytona", "--lite", "--seeds", "3",
		   "--no-progress", NULL }, (const char *const *)e.kv);
	ck_assert_msg(r->status == 0, "status %d: %s", r->status,
		      r->stderr_text);
	ck_assert_ptr_nonnull(r->result);
	ck_assert_str_eq(rv_json_str(r->result, "environment.server"),
			 "daytona-lite");
	ck_assert_str_eq(rv_json_str(r->result, "environment.provider"),
			 "daytona");
	/* its own server, not the (dead) DAYTONA_API_URL of the env */
	url = rv_json_str(r->result, "environment.api_url");
	ck_assert_msg(url && !strncmp(url, "http://127.0.0.1:", 17) &&
		      !strstr(url, ":9/"), "%s", url ? url : "(null)");
	for (long s = 0; s < 3; s++)
		ck_assert(json_is_true(json_object_get(rr_rollout(r, s),
						       "ok")));
	/* stopped, and its state directory is gone */
	ck_assert_int_eq(entries(e.tmp), 0);
	ck_assert(!running_with(e.tmp));
	lite_env_release(&e);
	rr_free(r);
}
END_TEST

START_TEST(test_lite_interrupted_job_leaves_nothing)
{
	struct rr *r = rr_new();
	struct lite_env e;
	char *log, *jobs;
	pid_t pid;

	lite_env_init(&e, r);
	log = rv_xasprintf("%s/out/result.json", r->dir);
	pid = rr_start(r, (const char *[]){ "--daytona", "--lite", "--seeds",
		       "40", "--concurrency", "2", "--no-progress", NULL },
		       (const char *const *)e.kv);
	/* once the server runs and the sandbox is being made or used */
	for (int i = 0; i < 3000 && entries(e.tmp) == 0; i++)
		usleep(10000);
	ck_assert_int_gt(entries(e.tmp), 0);
	usleep(700 * 1000);
	kill(pid, SIGINT);
	rr_wait(r, pid, 120);
	ck_assert_msg(r->status == 130, "status %d: %s", r->status,
		      r->stderr_text);
	ck_assert_int_eq(entries(e.tmp), 0);
	ck_assert(!running_with(e.tmp));
	/* teardown reached the server before it stopped: no journal left */
	jobs = rv_xasprintf("%s/jobs", e.state);
	ck_assert_int_eq(entries(jobs), 0);
	free(jobs);
	free(log);
	lite_env_release(&e);
	rr_free(r);
}
END_TEST

START_TEST(test_missing_credentials_point_to_lite)
{
	struct rr *r = rr_new();

	rr_run(r, (const char *[]){ "--daytona", "--seeds", "1", NULL },
	       (const char *[]){ "DAYTONA_API_KEY=", "DAYTONA_JWT_TOKEN=",
				 NULL });
	ck_assert_int_eq(r->status, 2);
	ck_assert_msg(strstr(r->stderr_text, "DAYTONA_API_KEY") &&
		      strstr(r->stderr_text, "DAYTONA_API_URL") &&
		      strstr(r->stderr_text, "--lite"), "%s", r->stderr_text);
	rr_free(r);

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
	tcase_add_test(tc, test_missing_credentials_point_to_lite);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(lite_launch_suite()) ? 1 : 0;
}
