/*
 * Conformance with the official SDKs: start daytona-lite (or e2b-lite),
 * and three servers with injected faults, run tests/sdk/conformance.mjs
 * (the Daytona TypeScript SDK) or tests/sdk/e2b_conformance.mjs (the E2B
 * SDK) with node against them, and require every check to pass.  The SDKs
 * come from npm (tests/sdk/package.json, pinned by package-lock.json),
 * which 'scripts/install-deps.sh --test' installs into
 * tests/sdk/node_modules.
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
static const char *const daytona_checks[] = {
	"create", "wait for started", "env reaches commands", "uploadFile",
	"uploadFiles", "createFolder", "listFiles", "downloadFile",
	"upload outside the sandbox refused", "executeCommand",
	"executeCommand timeout", "codeRun", "session exec keeps state",
	"session runAsync and command status", "session streamed logs",
	"session logs and exit code", "session delete", "git clone offline",
	"preview link to a server in the sandbox", "list by labels",
	"network controls", "stop and start", "delete", "get unknown id",
	"fault 429 is DaytonaRateLimitError",
	"fault sandbox in error is DaytonaError",
	"fault 5xx is a server error class",
	NULL,
};

/* The checks e2b_conformance.mjs prints. */
static const char *const e2b_checks[] = {
	"create with metadata and envs", "envs reach commands",
	"commands.run foreground: exit code, stdout, stderr",
	"commands.run non-zero exit is CommandExitError",
	"commands.run cwd and streamed output",
	"commands.run background: pid, list, kill",
	"commands.connect to a running command",
	"commands stdin: sendStdin, closeStdin",
	"files.write and files.read",
	"files: many, list, exists, makeDir, rename, remove",
	"getHost(port) and a request through it",
	"a private sandbox needs its traffic token",
	"list by metadata, page by page", "setTimeout moves the end",
	"a sandbox past its timeout is gone", "kill",
	"a wrong API key is AuthenticationError",
	"fault 429 is RateLimitError",
	"fault sandbox in error is SandboxError",
	"fault 5xx is a server error class",
	NULL,
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
 * node and the pinned SDKs, which 'scripts/install-deps.sh --test'
 * installed (make test never goes to the network); the directory
 * (malloc'ed).
 */
static char *sdk_dir(void)
{
	char *top = tu_top_dir();
	char *dir = rv_xasprintf("%s/tests/sdk", top);
	char *mod = rv_xasprintf("%s/node_modules/@daytonaio/sdk/package.json",
				 dir);
	char *mod2 = rv_xasprintf("%s/node_modules/e2b/package.json", dir);

	ck_assert_msg(run("command -v node && command -v npm", NULL, NULL, 10)
		      == 0, "node and npm are needed: run "
		      "'scripts/install-deps.sh --test'");
	ck_assert_msg(access(mod, F_OK) == 0 && access(mod2, F_OK) == 0,
		      "the official Daytona and E2B SDKs are not installed "
		      "in %s/node_modules: run 'scripts/install-deps.sh "
		      "--test'", dir);
	free(mod);
	free(mod2);
	free(top);
	return dir;
}

/*
 * Run script in the SDK directory with env (NULL-ended), and require
 * every check of checks to say "ok" and none to fail.
 */
static void run_checks(const char *script, char *const *env, const char *log,
		       const char *const *checks)
{
	char *cmd = rv_xasprintf("cd \"$SDK_DIR\" && exec node %s", script);
	char *out, *want;
	size_t n = 0;
	int st;

	st = run(cmd, env, log, NODE_TIMEOUT_S);
	out = tu_read_file(log, NULL);
	ck_assert_ptr_nonnull(out);
	fputs(out, stdout);	/* one line per check, for the CI log */
	for (; checks[n]; n++) {
		char *line = rv_xasprintf("\nok   %s (", checks[n]);
		char *first = rv_xasprintf("ok   %s (", checks[n]);

		ck_assert_msg(strstr(out, line) || !strncmp(out, first,
							    strlen(first)),
			      "check '%s' did not pass:\n%s", checks[n], out);
		free(first);
		free(line);
	}
	ck_assert_msg(!strstr(out, "FAIL "), "a check failed:\n%s", out);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "%s exited with status %d:\n%s", script, st, out);
	want = rv_xasprintf("conformance: %zu passed, 0 failed, 0 skipped", n);
	ck_assert_msg(strstr(out, want), "want '%s':\n%s", want, out);
	free(want);
	free(out);
	free(cmd);
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
	char *dir = sdk_dir(), *log, *env[7];

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
	run_checks("conformance.mjs", env, log, daytona_checks);
	for (int i = 0; i < 4; i++)
		tl_free(&srv[i]);	/* clean exits, every sandbox gone */
	for (int i = 0; i < 6; i++)
		free(env[i]);
	free(log);
	free(dir);
}
END_TEST

START_TEST(test_e2b_sdk_conformance)
{
	static const char *const f429[] = { "--fault-429-rate", "1",
					    "--fault-retry-after-s", "0", NULL };
	static const char *const ferr[] = { "--fault-error-rate", "1", NULL };
	static const char *const f5xx[] = { "--fault-5xx-rate", "1", NULL };
	const char *const *flags[4] = { NULL, f429, ferr, f5xx };
	struct tl_server srv[4];
	char *dir = sdk_dir(), *log, *env[9];

	memset(srv, 0, sizeof(srv));
	for (int i = 0; i < 4; i++) {
		srv[i].prog = "e2b-lite";
		tl_start(&srv[i], flags[i]);
	}
	env[0] = rv_xasprintf("SDK_DIR=%s", dir);
	env[1] = rv_xasprintf("E2B_API_URL=%s", srv[0].base);
	env[2] = rv_xasprintf("E2B_SANDBOX_URL=%s", srv[0].base);
	env[3] = rv_xstrdup("E2B_API_KEY=" TL_KEY);
	env[4] = rv_xasprintf("E2B_LITE_FAULT_429_URL=%s", srv[1].base);
	env[5] = rv_xasprintf("E2B_LITE_FAULT_ERROR_URL=%s", srv[2].base);
	env[6] = rv_xasprintf("E2B_LITE_FAULT_5XX_URL=%s", srv[3].base);
	env[7] = rv_xstrdup("E2B_DOMAIN=");
	env[8] = NULL;
	log = rv_xasprintf("%s/e2b-conformance.log", srv[0].tmp);
	run_checks("e2b_conformance.mjs", env, log, e2b_checks);
	for (int i = 0; i < 4; i++)
		tl_free(&srv[i]);	/* clean exits, every sandbox gone */
	for (int i = 0; i < 8; i++)
		free(env[i]);
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
	tcase_add_test(tc, test_e2b_sdk_conformance);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(sdk_suite()) ? 1 : 0;
}
