/* runeval_run: build/runeval as a process under test (see runeval_run.h). */
#include "runeval_run.h"

#include "rv_alloc.h"
#include "testutil.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Directories of runs not yet freed: removed at exit, so a test that
 * fails an assertion (and never reaches rr_free) leaves nothing in /tmp.
 */
static char *rr_live[64];

static void rr_cleanup(void)
{
	for (size_t i = 0; i < sizeof(rr_live) / sizeof(rr_live[0]); i++)
		if (rr_live[i])
			tu_rmrf(rr_live[i]);
}

static void rr_track(const char *dir, bool add)
{
	static bool registered;

	if (!registered) {
		atexit(rr_cleanup);
		registered = true;
	}
	for (size_t i = 0; i < sizeof(rr_live) / sizeof(rr_live[0]); i++) {
		if (add && !rr_live[i]) {
			rr_live[i] = (char *)dir;
			return;
		}
		if (!add && rr_live[i] == dir) {
			rr_live[i] = NULL;
			return;
		}
	}
}

struct rr *rr_new(void)
{
	struct rr *r = rv_xcalloc(1, sizeof(*r));

	r->dir = tu_tmpdir();
	rr_track(r->dir, true);
	r->out = rv_xasprintf("%s/out", r->dir);
	r->stdout_path = rv_xasprintf("%s/stdout", r->dir);
	r->stderr_path = rv_xasprintf("%s/stderr", r->dir);
	r->status = -1;
	return r;
}

void rr_free(struct rr *r)
{
	if (!r)
		return;
	rr_track(r->dir, false);
	tu_rmrf(r->dir);
	free(r->dir);
	free(r->out);
	free(r->stdout_path);
	free(r->stderr_path);
	free(r->stdout_text);
	free(r->stderr_text);
	free(r->bin);
	json_decref(r->result);
	free(r);
}

static void rr_redirect(const char *path, int fd)
{
	int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (f >= 0) {
		dup2(f, fd);
		close(f);
	}
}

pid_t rr_start(struct rr *r, const char *const *args, const char *const *env)
{
	char *bin = r->bin ? rv_xstrdup(r->bin) : tu_build_path("runeval");
	size_t n = 0, k = 0;
	bool env_file = false;
	const char **argv;
	pid_t pid;

	while (args[n])
		env_file |= !strcmp(args[n++], "--env-file");
	argv = rv_xcalloc(n + 6, sizeof(*argv));
	argv[k++] = bin;
	for (size_t i = 0; i < n; i++)
		argv[k++] = args[i];
	argv[k++] = "--out";
	argv[k++] = r->out;
	if (!env_file) {	/* never a developer's .env */
		argv[k++] = "--env-file";
		argv[k++] = "/dev/null";
	}
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		rr_redirect(r->stdout_path, 1);
		rr_redirect(r->stderr_path, 2);
		unsetenv("ENVIRONMENT_API_KEY");	/* minted unless given */
		for (const char *const *e = env; e && *e; e++)
			putenv((char *)*e);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	free(argv);
	free(bin);
	return pid;
}

void rr_wait(struct rr *r, pid_t pid, int timeout_s)
{
	char *path;
	int st = 0;

	for (int i = 0; i < timeout_s * 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			goto done;
		usleep(10000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
done:
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	/* a second run with the same r replaces what the first collected */
	free(r->stdout_text);
	free(r->stderr_text);
	json_decref(r->result);
	r->stdout_text = tu_read_file(r->stdout_path, NULL);
	r->stderr_text = tu_read_file(r->stderr_path, NULL);
	path = rv_xasprintf("%s/result.json", r->out);
	r->result = json_load_file(path, 0, NULL);
	free(path);
}

int rr_run(struct rr *r, const char *const *args, const char *const *env)
{
	rr_wait(r, rr_start(r, args, env), 60);
	return r->status;
}

pid_t rr_app_pid(const struct rr *r)
{
	char *path = rv_xasprintf("%s/taskapp.log", r->out);
	char *log = tu_read_file(path, NULL);
	const char *p = log ? strstr(log, " pid ") : NULL;
	pid_t pid = p ? (pid_t)atoi(p + 5) : -1;

	free(log);
	free(path);
	return pid;
}

char *rr_pyapp_dir(void)
{
	char *top = tu_top_dir();
	char *d = rv_xasprintf("%s/tests/apps/pyapp", top);

	free(top);
	return d;
}

json_t *rr_rollout(const struct rr *r, long seed)
{
	json_t *rs = json_object_get(r->result, "rollouts");
	size_t i;
	json_t *v;

	json_array_foreach(rs, i, v)
		if (json_integer_value(json_object_get(v, "seed")) == seed)
			return v;
	return NULL;
}

bool rr_has_span(const struct rr *r, const char *phase)
{
	return rr_first_span(r, phase) != NULL;
}

json_t *rr_first_span(const struct rr *r, const char *phase)
{
	json_t *spans = json_object_get(r->result, "spans");
	size_t i;
	json_t *v;

	json_array_foreach(spans, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "phase")),
			    phase))
			return v;
	return NULL;
}

int rr_count_spans(const struct rr *r, const char *phase)
{
	json_t *spans = json_object_get(r->result, "spans"), *v;
	size_t i;
	int n = 0;

	json_array_foreach(spans, i, v)
		n += !strcmp(json_string_value(json_object_get(v, "phase")),
			     phase);
	return n;
}

void rr_assert_phases(const struct rr *r, const char *const *phases,
		      const char *provider)
{
	for (; *phases; phases++) {
		json_t *s = rr_first_span(r, *phases);

		ck_assert_msg(s, "no '%s' span", *phases);
		ck_assert_msg(json_is_true(json_object_get(s, "ok")),
			      "'%s' failed", *phases);
		ck_assert(json_number_value(json_object_get(s, "ms")) >= 0);
		ck_assert_str_eq(json_string_value(json_object_get(s,
				 "provider")), provider);
	}
}

char *rr_lifecycle(const char *const *args, const char *const *env)
{
	static const char *const steps[] = { "provision", "upload", "exec",
					     "preview", "teardown" };
	const char *argv[10] = { "lifecycle" };
	size_t n = 1;
	char *text;
	int st;

	for (; *args && n < 8; args++)
		argv[n++] = *args;
	argv[n++] = "--json";
	st = rr_command(argv, env, &text);
	ck_assert_msg(st == 0, "%s", text);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *want = rv_xasprintf("\"phase\":\"%s\",", steps[i]);

		ck_assert_msg(strstr(text, want), "no %s in %s", steps[i], text);
		free(want);
	}
	ck_assert_ptr_null(strstr(text, "\"ok\":false"));
	return text;
}

void rr_assert_lifecycle(const char *const *args, const char *const *env)
{
	free(rr_lifecycle(args, env));
}

double rr_summary_num(const struct rr *r, const char *key)
{
	return json_number_value(json_object_get(json_object_get(r->result,
						"summary"), key));
}

bool rr_wait_for_text(const char *path, const char *needle, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 5) {
		char *text = tu_read_file(path, NULL);
		bool found = text && strstr(text, needle);

		free(text);
		if (found)
			return true;
		usleep(5000);
	}
	return false;
}

bool rr_span_saw(const json_t *span, long status)
{
	json_t *log = json_object_get(span, "attempt_log"), *a;
	size_t i;

	json_array_foreach(log, i, a)
		if (json_integer_value(json_object_get(a, "status")) == status)
			return true;
	return false;
}

int rr_command(const char *const *args, const char *const *env,
	       char **output)
{
	char *dir = tu_tmpdir(), *log = rv_xasprintf("%s/out", dir);
	char *argv[32] = { tu_build_path("runeval") };
	size_t n = 1;
	pid_t pid;
	int st = 0;

	for (; args && *args && n < 31; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	pid = tu_spawn(argv, (char *const *)env, log);
	waitpid(pid, &st, 0);
	*output = tu_read_file(log, NULL);
	if (!*output)
		*output = rv_xstrdup("");
	tu_rmrf(dir);
	free(argv[0]);
	free(log);
	free(dir);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Start runeval and wait until its stderr says it began phase. */
static pid_t rr_start_until(struct rr *r, const char *const *args,
			    const char *const *env, const char *phase)
{
	char *needle = rv_xasprintf("debug: %s ...", phase);
	pid_t pid = rr_start(r, args, env);

	if (!rr_wait_for_text(r->stderr_path, needle, 60000)) {
		char *text = tu_read_file(r->stderr_path, NULL);
		size_t len = text ? strlen(text) : 0;

		/* what it said instead: the tail of its stderr */
		ck_abort_msg("runeval never reached '%s'; its stderr ends: %s",
			     phase, text ? text + (len > 1500 ? len - 1500 : 0)
			     : "(none)");
	}
	free(needle);
	return pid;
}

void rr_interrupt(struct rr *r, const char *const *args,
		  const char *const *env, const char *phase, bool twice)
{
	pid_t pid = rr_start_until(r, args, env, phase);

	kill(pid, SIGINT);
	if (twice) {
		usleep(100000);
		kill(pid, SIGINT);
	}
	rr_wait(r, pid, 90);	/* teardown on a loaded machine */
}

void rr_kill9_during(struct rr *r, const char *const *args,
		     const char *const *env, const char *phase)
{
	pid_t pid = rr_start_until(r, args, env, phase);

	usleep(200000);
	kill(pid, SIGKILL);
	rr_wait(r, pid, 10);
	ck_assert_int_eq(r->status, 128 + SIGKILL);
}

void rr_assert_nowhere(const struct rr *r, const char *dir,
		       const char *needle)
{
	char *hit = tu_tree_find(dir ? dir : r->out, NULL, needle);

	ck_assert_msg(!hit, "'%s' written to %s", needle, hit);
	ck_assert_msg(!strstr(r->stdout_text, needle), "'%s' on stdout",
		      needle);
	ck_assert_msg(!strstr(r->stderr_text, needle), "'%s' on stderr",
		      needle);
}

int rr_journals(const char *state_dir)
{
	char *cmd = rv_xasprintf("ls '%s/jobs' 2>/dev/null | wc -l",
				 state_dir);
	FILE *f = popen(cmd, "r");
	int n = -1;

	if (f && fscanf(f, "%d", &n) != 1)
		n = -1;
	if (f)
		pclose(f);
	free(cmd);
	return n;
}

int rr_reap(const char *const *env, const char *a1, const char *a2,
	    char **output)
{
	const char *const args[] = { "reap", a1, a1 ? a2 : NULL, NULL };

	return rr_command(args, env, output);
}
