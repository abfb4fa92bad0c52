/* The sandbox journal: records, scan, tombstones, locks, bad input. */
#include "testutil.h"

#include "journal.h"
#include "rv_alloc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *job_file(const char *dir, const char *job)
{
	return rv_xasprintf("%s/jobs/%s.jsonl", dir, job);
}

START_TEST(test_journal_live_until_deleted)
{
	char *dir = tu_tmpdir(), *path, *text;
	struct journal *j;
	struct journal_entry *v;
	struct rv_err err = RV_ERR_INIT;
	size_t n;

	ck_assert_int_eq(journal_open(dir, "job-1", &j, &err), RV_OK);
	path = job_file(dir, "job-1");
	ck_assert_str_eq(journal_path(j), path);
	ck_assert_int_eq(journal_record(j, "intent", "daytona",
					"http://x/api", "sb-a", NULL, &err),
			 RV_OK);
	ck_assert_int_eq(journal_record(j, "intent", "daytona",
					"http://x/api", "sb-b", NULL, &err),
			 RV_OK);
	ck_assert_int_eq(journal_record(j, "created", "daytona",
					"http://x/api", "sb-a", "id-a", &err),
			 RV_OK);
	/* durable at once: another reader sees both, with a's id */
	ck_assert_int_eq(journal_scan(dir, NULL, &v, &n, NULL, &err), RV_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].name, "sb-a");
	ck_assert_str_eq(v[0].id, "id-a");
	ck_assert_str_eq(v[0].api_url, "http://x/api");
	ck_assert_str_eq(v[0].job, "job-1");
	ck_assert_ptr_null(v[1].id);
	ck_assert(v[0].job_running);	/* we hold the lock */
	journal_entries_free(v, n);

	ck_assert_int_eq(journal_record(j, "deleted", "daytona",
					"http://x/api", "sb-a", "id-a", &err),
			 RV_OK);
	ck_assert_int_eq(journal_scan(dir, "job-1", &v, &n, NULL, &err), RV_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].name, "sb-b");
	journal_entries_free(v, n);
	text = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(strstr(text, "\"event\":\"intent\""));
	free(text);

	/* b is still live: the file outlives the job, unlocked */
	journal_close(j);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert(!journal_job_running(dir, "job-1"));
	ck_assert_int_eq(journal_scan(dir, NULL, &v, &n, NULL, &err), RV_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert(!v[0].job_running);
	/* reap's tombstone removes the last trace */
	ck_assert_int_eq(journal_tombstone(dir, &v[0], &err), RV_OK);
	journal_entries_free(v, n);
	ck_assert_int_eq(access(path, F_OK), -1);

	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_journal_clean_job_leaves_no_file)
{
	char *dir = tu_tmpdir(), *path = job_file(dir, "job-2");
	struct journal *j;
	struct rv_err err = RV_ERR_INIT;

	ck_assert_int_eq(journal_open(dir, "job-2", &j, &err), RV_OK);
	journal_record(j, "intent", "daytona", NULL, "n1", NULL, &err);
	journal_record(j, "deleted", "daytona", NULL, "n1", NULL, &err);
	journal_close(j);
	ck_assert_int_eq(access(path, F_OK), -1);
	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_journal_kept_stays)
{
	char *dir = tu_tmpdir(), *path = job_file(dir, "job-3");
	struct journal *j;
	struct journal_entry *v;
	struct rv_err err = RV_ERR_INIT;
	size_t n;

	ck_assert_int_eq(journal_open(dir, "job-3", &j, &err), RV_OK);
	journal_record(j, "intent", "daytona", NULL, "n1", NULL, &err);
	journal_record(j, "created", "daytona", NULL, "n1", "i1", &err);
	journal_record(j, "kept", "daytona", NULL, "n1", "i1", &err);
	journal_close(j);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(journal_scan(dir, NULL, &v, &n, NULL, &err), RV_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert(v[0].kept);
	journal_entries_free(v, n);
	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* A second runeval cannot take a running job's journal. */
START_TEST(test_journal_lock_is_exclusive)
{
	char *dir = tu_tmpdir();
	struct journal *j, *j2;
	struct rv_err err = RV_ERR_INIT;
	pid_t pid;
	int st;

	ck_assert_int_eq(journal_open(dir, "job-4", &j, &err), RV_OK);
	ck_assert_int_eq(journal_record(j, "intent", "daytona", NULL, "n1",
					NULL, &err), RV_OK);
	pid = fork();
	if (pid == 0) {
		struct rv_err e = RV_ERR_INIT;

		bool ok;

		/* the second one fails at its first record, and says why */
		ok = journal_open(dir, "job-4", &j2, &e) == RV_OK &&
			journal_record(j2, "intent", "daytona", NULL, "n2",
				       NULL, &e) == RV_ERR_IO &&
			strstr(e.msg, "another runeval holds it") &&
			journal_job_running(dir, "job-4");
		journal_close(j2);	/* no file of its own to remove */
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	journal_close(j);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* A job killed before its first create leaves no file at all. */
START_TEST(test_journal_no_file_before_the_first_record)
{
	char *dir = tu_tmpdir(), *path = job_file(dir, "job-6");
	struct journal *j;
	struct rv_err err = RV_ERR_INIT;
	pid_t pid;
	int st;

	pid = fork();
	if (pid == 0) {		/* killed: no journal_close() */
		struct rv_err e = RV_ERR_INIT;

		if (journal_open(dir, "job-6", &j, &e) != RV_OK)
			_exit(1);
		raise(SIGKILL);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	ck_assert_int_eq(access(path, F_OK), -1);
	/* the directory is made (and checked) at once all the same */
	ck_assert_int_eq(journal_open(dir, "job-6", &j, &err), RV_OK);
	journal_close(j);
	ck_assert_int_eq(access(path, F_OK), -1);
	free(path);
	path = rv_xasprintf("%s/jobs", dir);
	ck_assert_int_eq(access(path, W_OK), 0);
	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* reap's clean-up: journals with nothing left in them go, others stay. */
START_TEST(test_journal_prune_keeps_what_may_matter)
{
	char *dir = tu_tmpdir(), *p;
	struct journal *running;
	struct rv_err err = RV_ERR_INIT;
	static const char *const files[][2] = {
		{ "empty", "" },
		{ "done", "{\"event\":\"intent\",\"job\":\"done\",\"name\":\"a\"}\n"
			  "{\"event\":\"deleted\",\"job\":\"done\",\"name\":\"a\"}\n" },
		{ "live", "{\"event\":\"intent\",\"job\":\"live\",\"name\":\"a\"}\n" },
		{ "garbled", "{\"event\":\"int" },
	};

	ck_assert_int_eq(journal_open(dir, "running", &running, &err), RV_OK);
	journal_record(running, "intent", "daytona", NULL, "r", NULL, &err);
	journal_record(running, "deleted", "daytona", NULL, "r", NULL, &err);
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		FILE *f;

		p = job_file(dir, files[i][0]);
		f = fopen(p, "w");
		fputs(files[i][1], f);
		fclose(f);
		chmod(p, 0600);	/* whatever the umask: the user's alone */
		free(p);
	}
	ck_assert_uint_eq(journal_prune(dir, "live", NULL, NULL), 0);
	ck_assert_uint_eq(journal_prune(dir, NULL, NULL, NULL), 2);
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		p = job_file(dir, files[i][0]);
		ck_assert_msg((access(p, F_OK) == 0) == (i >= 2), "%s", p);
		free(p);
	}
	/* a running job's file stays (it holds the lock), empty or not */
	p = job_file(dir, "running");
	ck_assert_int_eq(access(p, F_OK), 0);
	journal_close(running);
	ck_assert_int_eq(access(p, F_OK), -1);
	free(p);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_journal_rejects_bad_job_ids_and_lines)
{
	char *dir = tu_tmpdir(), *path;
	struct journal *j;
	struct journal_entry *v;
	struct rv_err err = RV_ERR_INIT;
	size_t n;
	FILE *f;

	ck_assert_int_eq(journal_open(dir, "../evil", &j, &err), RV_ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "../evil"));
	ck_assert_int_eq(journal_open(dir, "", &j, &err), RV_ERR_USAGE);
	ck_assert_int_eq(journal_scan(dir, "a/b", &v, &n, NULL, &err),
			 RV_ERR_USAGE);
	/* garbage lines are skipped, good ones still count */
	ck_assert_int_eq(journal_open(dir, "job-5", &j, &err), RV_OK);
	journal_close(j);
	path = job_file(dir, "job-5");
	f = fopen(path, "w");
	fputs("not json\n{\"event\":\"intent\"}\n[1,2]\n"
	      "{\"event\":\"intent\",\"job\":\"job-5\",\"provider\":\"daytona\","
	      "\"name\":\"ok\"}\n{\"event\":", f);
	fclose(f);
	chmod(path, 0600);
	ck_assert_int_eq(journal_scan(dir, NULL, &v, &n, NULL, &err), RV_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].name, "ok");
	/* the file ends in a cut line: the tombstone is not glued to it */
	ck_assert_int_eq(journal_tombstone(dir, &v[0], &err), RV_OK);
	journal_entries_free(v, n);
	ck_assert_int_eq(journal_scan(dir, NULL, &v, &n, NULL, &err), RV_OK);
	ck_assert_uint_eq(n, 0);
	journal_entries_free(v, n);
	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/*
 * reap sends the provider's credentials to the API a record names: a
 * journal that someone else may have written is not read (nor pruned),
 * a link is not followed (/dev/zero grew without end, a FIFO hung), and
 * a record without its job is none.
 */
START_TEST(test_journal_reads_only_the_users_own_files)
{
	static const char rec[] = "{\"event\":\"created\",\"job\":\"j\","
		"\"provider\":\"daytona\",\"api_url\":\"http://10.9.9.9/api\","
		"\"name\":\"n\",\"id\":\"i\"}\n";
	static const char *const names[] = { "open", "group", "link", "fifo",
					     "nojob" };
	char *dir = tu_tmpdir(), *jobs = rv_xasprintf("%s/jobs", dir);
	struct journal_entry *v;
	struct rv_err err = RV_ERR_INIT;
	size_t n, refused;

	ck_assert_int_eq(mkdir(jobs, 0700), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		char *p = job_file(dir, names[i]);
		FILE *f;

		if (!strcmp(names[i], "link")) {
			ck_assert_int_eq(symlink("/dev/zero", p), 0);
		} else if (!strcmp(names[i], "fifo")) {
			ck_assert_int_eq(mkfifo(p, 0600), 0);
		} else {
			f = fopen(p, "w");
			fputs(strcmp(names[i], "nojob") ? rec :
			      "{\"event\":\"created\",\"name\":\"x\"}\n", f);
			fclose(f);
			chmod(p, !strcmp(names[i], "open") ? 0606 :
			      !strcmp(names[i], "group") ? 0620 : 0600);
		}
		free(p);
	}
	ck_assert_int_eq(journal_scan(dir, NULL, &v, &n, &refused, &err),
			 RV_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(refused, 4);	/* "nojob" is read: a bad line */
	journal_entries_free(v, n);
	/* the same record in a file of the user's own is read */
	{
		char *p = job_file(dir, "mine");
		FILE *f = fopen(p, "w");

		fputs(rec, f);
		fclose(f);
		chmod(p, 0600);
		free(p);
	}
	ck_assert_int_eq(journal_scan(dir, NULL, &v, &n, NULL, &err), RV_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].job, "j");
	journal_entries_free(v, n);
	/* and nothing untrusted is pruned */
	journal_prune(dir, NULL, NULL, NULL);
	for (size_t i = 0; i < 2; i++) {
		char *p = job_file(dir, names[i]);

		ck_assert_msg(access(p, F_OK) == 0, "%s", p);
		free(p);
	}
	free(jobs);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_journal_state_dir_from_env)
{
	char *d;

	setenv("RUNEVAL_STATE_DIR", "/x/state", 1);
	d = journal_state_dir();
	ck_assert_str_eq(d, "/x/state");
	free(d);
	unsetenv("RUNEVAL_STATE_DIR");
	setenv("XDG_STATE_HOME", "/xdg", 1);
	d = journal_state_dir();
	ck_assert_str_eq(d, "/xdg/runeval");
	free(d);
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/u", 1);
	d = journal_state_dir();
	ck_assert_str_eq(d, "/home/u/.local/state/runeval");
	free(d);
}
END_TEST

static Suite *journal_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("core");
	TCase *te = tcase_create("errors");

	tcase_add_test(tc, test_journal_live_until_deleted);
	tcase_add_test(tc, test_journal_clean_job_leaves_no_file);
	tcase_add_test(tc, test_journal_kept_stays);
	tcase_add_test(tc, test_journal_lock_is_exclusive);
	tcase_add_test(tc, test_journal_no_file_before_the_first_record);
	tcase_add_test(tc, test_journal_prune_keeps_what_may_matter);
	tcase_add_test(tc, test_journal_state_dir_from_env);
	tcase_add_test(te, test_journal_rejects_bad_job_ids_and_lines);
	tcase_add_test(te, test_journal_reads_only_the_users_own_files);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, te);
	return s;
}

int main(void)
{
	return tu_run_suite(journal_suite()) ? 1 : 0;
}
