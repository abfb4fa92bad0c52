/*
 * `make install` into a temporary prefix, and what an installed runeval
 * finds there: the task app as runeval-taskapp for this host, the bundle
 * under libexec for sandboxes, and an error that lists every place it
 * looked when they are gone.
 */
#include "testutil.h"
#include "runeval_run.h"

#include "rv_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *prefix;

/* make install PREFIX=<tmp> from the top of the tree (already built). */
static void install_setup(void)
{
	char *top = tu_top_dir(), *cmd;
	int st;

	prefix = tu_tmpdir();
	cmd = rv_xasprintf("cd '%s' && make -s install PREFIX='%s' "
			   ">'%s/make.log' 2>&1", top, prefix, prefix);
	st = system(cmd);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "make install failed (see %s/make.log)", prefix);
	free(cmd);
	free(top);
}

static void install_teardown(void)
{
	tu_rmrf(prefix);
	free(prefix);
}

static bool is_exec(const char *dir, const char *name)
{
	char *p = rv_xasprintf("%s/%s", dir, name);
	bool ok = access(p, X_OK) == 0;

	free(p);
	return ok;
}

START_TEST(test_install_layout)
{
	char *bin = rv_xasprintf("%s/bin", prefix);
	char *lib = rv_xasprintf("%s/libexec/runeval/taskapp-bundle", prefix);

	ck_assert(is_exec(bin, "runeval"));
	ck_assert(is_exec(bin, "daytona-lite"));
	ck_assert(is_exec(bin, "e2b-lite"));
	ck_assert(is_exec(bin, "runeval-taskapp"));
	ck_assert(!is_exec(bin, "taskapp"));	/* not a bare name in bin */
	ck_assert(is_exec(lib, "start.sh"));
	free(lib);
	free(bin);
}
END_TEST

START_TEST(test_installed_runeval_finds_its_task_app)
{
	struct rr *r = rr_new();

	r->bin = rv_xasprintf("%s/bin/runeval", prefix);
	rr_run(r, (const char *[]){ "--local", "--seeds", "2", "--no-progress",
		   NULL }, NULL);
	ck_assert_msg(r->status == 0, "status %d: %s", r->status,
		      r->stderr_text);
	rr_free(r);
}
END_TEST

START_TEST(test_missing_task_app_lists_every_place)
{
	char *ta = rv_xasprintf("%s/bin/runeval-taskapp", prefix);
	char *lib = rv_xasprintf("%s/libexec/runeval/taskapp-bundle", prefix);
	struct rr *r = rr_new();

	ck_assert_int_eq(unlink(ta), 0);
	tu_rmrf(lib);
	r->bin = rv_xasprintf("%s/bin/runeval", prefix);
	rr_run(r, (const char *[]){ "--local", "--seeds", "1", NULL }, NULL);
	ck_assert_int_eq(r->status, 2);
	ck_assert_msg(strstr(r->stderr_text, "/bin/taskapp'") &&
		      strstr(r->stderr_text, "/bin/runeval-taskapp'") &&
		      strstr(r->stderr_text, "/bin/taskapp-bundle/start.sh'") &&
		      strstr(r->stderr_text, "/libexec/runeval/taskapp-bundle/"
			     "start.sh'"), "%s", r->stderr_text);
	rr_free(r);
	/* a sandbox needs a bundle: only the bundle places are named */
	r = rr_new();
	r->bin = rv_xasprintf("%s/bin/runeval", prefix);
	rr_run(r, (const char *[]){ "--daytona", "--seeds", "1", NULL },
	       (const char *[]){ "DAYTONA_API_KEY=k",
		"DAYTONA_API_URL=http://127.0.0.1:9/api", NULL });
	ck_assert_int_eq(r->status, 2);
	ck_assert_msg(strstr(r->stderr_text, "for a sandbox") &&
		      !strstr(r->stderr_text, "runeval-taskapp'") &&
		      strstr(r->stderr_text, "taskapp-bundle/start.sh'"), "%s",
		      r->stderr_text);
	rr_free(r);
	free(lib);
	free(ta);
}
END_TEST

static Suite *install_suite(void)
{
	Suite *s = suite_create("install");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, install_setup, install_teardown);
	tcase_add_test(tc, test_install_layout);
	tcase_add_test(tc, test_installed_runeval_finds_its_task_app);
	tcase_add_test(tc, test_missing_task_app_lists_every_place);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(install_suite()) ? 1 : 0;
}
