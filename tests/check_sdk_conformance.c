/*
 * Conformance with the official Daytona TypeScript SDK: start daytona-lite
 * (and three servers with injected faults), run tests/sdk/conformance.mjs
 * with node against them, and require every check to pass.  The SDK comes
 * from npm (tests/sdk/package.json, pinned by package-lock.json), which
 * 'scripts/install-deps.sh --test' installs into tests/sdk/node_modules.
 */
#include "lite_util.h"
#include "testutil.h"

#include "rv_alloc.h"
#include "rv_http.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NODE_TIMEOUT_S 240

/* The checks conformance.mjs prints, in order; all must say "ok". */
static const char *const checks[] = {
	"create", "wait for started", "env reaches commands", "uploadFile",
	"uploadFiles", "createFolder", "listFiles", "downloadFile",
	"upload outside the sandbox refused", "executeCommand",
	"executeCommand timeout", "codeRun", "session exec keeps state",
	"session runAsync and command status", "session streamed logs",
	"session logs and exit code", "session delete", "git clone offline",
	"preview link to a server in the sandbox", "list by labels",
	"stop and start", "delete", "get unknown id",
	"fault 429 is DaytonaRateLimitError",
	"fault sandbox in error is DaytonaError",
	"fault 5xx is a server error class",
};

/* Run a shell command with env, output to log; its wait status. */
static int run(const char *script, char *const *env, const char *log,
	       int timeout_s)
{
	char *const argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	pid_t pid = tu_spawn(argv, env, log);
	int status = -1;

	for (int i = 0; i < timeout_s * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(100000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	ck_abort_msg("'%s' did not finish within %d s", script, timeout_s);
	return status;
}

/*
 * node and the pinned SDK, which 'scripts/install-deps.sh --test'
 * installed (make test never goes to the network); the directory
 * (malloc'ed).
 */
static char *sdk_dir(void)
{
	char *top = tu_top_dir();
	char *dir = rv_xasprintf("%s/tests/sdk", top);
	char *mod = rv_xasprintf("%s/node_modules/@daytonaio/sdk/package.json",
				 dir);

	ck_assert_msg(run("command -v node && command -v npm", NULL, NULL, 10)
		      == 0, "node and npm are needed: run "
		      "'scripts/install-deps.sh --test'");
	ck_assert_msg(access(mod, F_OK) == 0, "the official Daytona SDK is "
		      "not installed in %s/node_modules: run "
		      "'scripts/install-deps.sh --test'", dir);
	free(mod);
	free(top);
	return dir;
}

START_TEST(test_sdk_conformance)
{
	static const char *const main_flags[] = { "--create-wait-ms", "0",
						  NULL };
	static const char *const f429[] = { "--fault-429-rate", "1", NULL };
	static const char *const ferr[] = { "--fault-error-rate", "1", NULL };
	static const char *const f5xx[] = { "--fault-5xx-rate", "1", NULL };
	struct tl_server srv[4];
	const char *const *flags[4] = { main_flags, f429, ferr, f5xx };
	char *dir = sdk_dir(), *log, *out, *env[7];
	int st;

	memset(srv, 0, sizeof(srv));
	for (int i = 0; i < 4; i++)
		tl_start(&srv[i], flags[i]);
	env[0] = rv_xasprintf("SDK_DIR=%s", dir);
	env[1] = rv_xasprintf("DAYTONA_API_URL=%s/api", srv[0].base);
	env[2] = rv_xstrdup("DAYTONA_API_KEY=" TL_KEY);
	env[3] = rv_xasprintf("DAYTONA_LITE_FAULT_429_URL=%s/api", srv[1].base);
	env[4] = rv_xasprintf("DAYTONA_LITE_FAULT_ERROR_URL=%s/api",
			      srv[2].base);
	env[5] = rv_xasprintf("DAYTONA_LITE_FAULT_5XX_URL=%s/api", srv[3].base);
	env[6] = NULL;
	log = rv_xasprintf("%s/conformance.log", srv[0].tmp);
	st = run("cd \"$SDK_DIR\" && exec node conformance.mjs", env, log,
		 NODE_TIMEOUT_S);
	out = tu_read_file(log, NULL);
	ck_assert_ptr_nonnull(out);
	fputs(out, stdout);	/* one line per check, for the CI log */
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		char *line = rv_xasprintf("\nok   %s (", checks[i]);
		char *first = rv_xasprintf("ok   %s (", checks[i]);

		ck_assert_msg(strstr(out, line) || !strncmp(out, first,
							    strlen(first)),
			      "check '%s' did not pass:\n%s", checks[i], out);
		free(first);
		free(line);
	}
	ck_assert_msg(!strstr(out, "FAIL "), "a check failed:\n%s", out);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "conformance.mjs exited with status %d:\n%s", st, out);
	ck_assert(strstr(out, "conformance: 27 passed, 0 failed, 0 skipped"));
	for (int i = 0; i < 4; i++)
		tl_free(&srv[i]);	/* clean exits, every sandbox gone */
	for (int i = 0; i < 6; i++)
		free(env[i]);
	free(out);
	free(log);
	free(dir);
}
END_TEST

static Suite *sdk_suite(void)
{
	Suite *s = suite_create("sdk_conformance");
	TCase *tc = tcase_create("sdk");

	tcase_set_timeout(tc, NODE_TIMEOUT_S + 660);
	tcase_add_test(tc, test_sdk_conformance);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(sdk_suite()) ? 1 : 0;
}
