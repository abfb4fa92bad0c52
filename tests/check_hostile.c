/*
 * A task app that attacks runeval: build/runeval as a process against
 * the Python test app told to send huge and non-finite rewards, terminal
 * escape sequences, and the secrets of its environment.  runeval must
 * record each as a rollout's error (never abort), print no control
 * character, and write no secret (nor its first characters) anywhere.
 */
#include "testutil.h"

#include "runeval_run.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_json.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *pyapp;

static void setup(void)
{
	pyapp = rr_pyapp_dir();
}

static void teardown(void)
{
	free(pyapp);
}

/* "exec python3 app.py ARGS..." with each argument shell-quoted. */
static char *app_cmd(const char *const *args)
{
	struct rv_buf b = RV_BUF_INIT;

	rv_buf_adds(&b, "exec python3 app.py");
	for (size_t i = 0; args[i]; i++) {
		rv_buf_addch(&b, ' ');
		rv_buf_add_shell_word(&b, args[i]);
	}
	return rv_buf_detach(&b, NULL);
}

/* --answer SEED:200:BODY with outcome_reward set to reward (verbatim). */
static char *answer_reward(int seed, const char *reward)
{
	return rv_xasprintf("%d:200:{\"trace_correlation_id\":\"@TCID@\","
			    "\"reward_info\":{\"outcome_reward\":%s},"
			    "\"success_status\":\"success\"}", seed, reward);
}

static const char *rollout_error(const struct rr *r, long seed)
{
	const char *e = json_string_value(json_object_get(rr_rollout(r, seed),
							  "error"));

	return e ? e : "(none)";
}

static double summary_num(const struct rr *r, const char *key)
{
	return json_number_value(json_object_get(json_object_get(r->result,
		"summary"), key));
}


START_TEST(test_hostile_rewards_are_errors_not_aborts)
{
	static const char *const rewards[] = {
		"1e308", "1e308", "-1e308", "NaN", "Infinity", "-Infinity",
		"1e400", "1000000000000000000000000000000", "1e9",
	};
	static const char *const why[] = {
		"1e+308 is out of range", "1e+308 is out of range",
		"-1e+308 is out of range", "malformed JSON", "malformed JSON",
		"malformed JSON", "real number overflow", "too big integer",
	};
	const char *argv[24] = { 0 }, *args[] = { "--local", "--seeds", "10",
		"--app", NULL, "--start", NULL, "--json", NULL };
	char *answers[9], *cmd, *tmp;
	struct rr *r = rr_new();
	json_t *out;
	size_t k = 0;

	for (int i = 0; i < 9; i++) {
		answers[i] = answer_reward(i, rewards[i]);
		argv[k++] = "--answer";
		argv[k++] = answers[i];
	}
	cmd = app_cmd(argv);
	args[4] = pyapp;
	args[6] = cmd;
	rr_run(r, args, NULL);
	/* the job ran to its end: exit 1, results written, nothing left */
	ck_assert_msg(r->status == 1, "exit %d; stderr:\n%s", r->status,
		      r->stderr_text);
	ck_assert_ptr_null(strstr(r->stderr_text, "BUG"));
	ck_assert_ptr_nonnull(r->result);
	tmp = tu_tree_find(r->out, ".tmp.", NULL);
	ck_assert_msg(!tmp, "temporary file left: %s", tmp);
	for (int i = 0; i < 8; i++)
		ck_assert_msg(strstr(rollout_error(r, i), why[i]),
			      "seed %d: %s", i, rollout_error(r, i));
	/* 1e9 is the largest accepted; seed 9 is the app's own 1.0 */
	ck_assert_double_eq(json_number_value(json_object_get(
		rr_rollout(r, 8), "reward")), 1e9);
	ck_assert_double_eq(summary_num(r, "completed"), 2);
	ck_assert_double_eq_tol(summary_num(r, "mean_reward"),
				(1e9 + 1) / 2, 1e-3);
	ck_assert_double_eq_tol(summary_num(r, "mean_reward_all"),
				(1e9 + 1) / 10, 1e-3);
	/* --json: stdout is the same document */
	out = json_loads(r->stdout_text, 0, NULL);
	ck_assert_msg(out != NULL, "stdout is not JSON: %.200s",
		      r->stdout_text);
	ck_assert(json_equal(json_object_get(out, "summary"),
			     json_object_get(r->result, "summary")));
	json_decref(out);
	for (int i = 0; i < 9; i++)
		free(answers[i]);
	free(cmd);
	rr_free(r);
}
END_TEST

/* No escape sequence, bell or C1 control in text a terminal shows. */
static void assert_no_controls(const char *what, const char *text)
{
	ck_assert_msg(!strchr(text, '\x1b') && !strchr(text, '\a') &&
		      !strstr(text, "\xc2\x9b") && !strchr(text, '\r'),
		      "%s holds a control character:\n%s", what, text);
}

#define PWNED "\\u001b[2J\\u001b[31mPWNED\\u001b[0m\\u0007"
#define PWNED_SHOWN "\\x1b[2J\\x1b[31mPWNED\\x1b[0m\\x07"

START_TEST(test_hostile_text_reaches_no_terminal_raw)
{
	const char *argv[] = {
		"--answer", "0:200:{\"trace_correlation_id\":\"@TCID@\","
		"\"reward_info\":{\"outcome_reward\":1},\"success_status\":\""
		PWNED "\",\"status_detail\":\"\\u009b2J\\r" PWNED "\"}",
		"--answer", "1:200:{\"trace_correlation_id\":\"" PWNED "\","
		"\"reward_info\":{\"outcome_reward\":1}}",
		"--answer", "2:500:\x1b[2J\x1b[31mPWNED\x1b[0m\a",
		NULL,
	};
	const char *dying[] = { "--banner", "starting " PWNED "\\u009b",
				"--exit-at-start", "3", NULL };
	const char *args[] = { "--local", "--seeds", "3", "--app", NULL,
			       "--start", NULL, "-v", NULL };
	char *cmd = app_cmd(argv), *cmd2 = app_cmd(dying);
	struct rr *r = rr_new(), *r2 = rr_new();

	args[4] = pyapp;
	args[6] = cmd;
	/* seed 0's status is no "success": a pipeline failure, exit 4 */
	ck_assert_int_eq(rr_run(r, args, NULL), 4);
	assert_no_controls("stdout", r->stdout_text);
	assert_no_controls("stderr", r->stderr_text);
	/* shown escaped: the status in the table, errors in the log */
	ck_assert_msg(strstr(r->stdout_text, PWNED_SHOWN), "%s",
		      r->stdout_text);
	ck_assert_msg(strstr(r->stderr_text, "got '" PWNED_SHOWN "'"), "%s",
		      r->stderr_text);
	ck_assert_msg(strstr(r->stderr_text, "HTTP 500"), "%s",
		      r->stderr_text);
	/* result.json keeps the text as it came (JSON escapes it) */
	ck_assert_str_eq(json_string_value(json_object_get(rr_rollout(r, 0),
		"success_status")), "\x1b[2J\x1b[31mPWNED\x1b[0m\a");

	/* an app that dies at start: its log tail, escaped */
	args[6] = cmd2;
	ck_assert_int_eq(rr_run(r2, args, NULL), 3);
	assert_no_controls("stderr", r2->stderr_text);
	ck_assert_msg(strstr(r2->stderr_text, "starting " PWNED_SHOWN
			     "\\u009b"), "%s", r2->stderr_text);
	free(cmd);
	free(cmd2);
	rr_free(r);
	rr_free(r2);
}
END_TEST

#define APP_KEY "sk_env_7c41e0b9a2d85f36e1c04b7a9d2e"
#define OTHER_KEY "sk-proj-Qm3v8ZkT1wXy4bN6pR2sLd9F"

START_TEST(test_hostile_secrets_are_written_nowhere)
{
	const char *argv[] = { "--leak", NULL };
	const char *args[] = { "--local", "--seeds", "2", "--app", NULL,
			       "--start", NULL, "--json", "--pass-env",
			       "OPENAI_API_KEY", NULL };
	const char *env[] = { "ENVIRONMENT_API_KEY=" APP_KEY,
			      "OPENAI_API_KEY=" OTHER_KEY, NULL };
	/* each whole, the 15 characters synth-ai logs, the 8 of the rule */
	const char *needles[] = { APP_KEY, "sk_env_7c41e0b", "sk_env_7",
				  OTHER_KEY, "sk-proj-Q", NULL };
	char *cmd = app_cmd(argv), *log_path, *log;
	struct rr *r = rr_new();
	json_t *environ_echo;

	args[4] = pyapp;
	args[6] = cmd;
	ck_assert_msg(rr_run(r, args, env) == 0, "%s", r->stderr_text);
	for (size_t i = 0; needles[i]; i++)
		rr_assert_nowhere(r, NULL, needles[i]);
	/* the app did leak: its echo and its log line are there, redacted */
	environ_echo = json_object_get(json_object_get(rr_rollout(r, 1),
		"details"), "environ");
	ck_assert_str_eq(json_string_value(json_object_get(environ_echo,
		"ENVIRONMENT_API_KEY")), "[REDACTED]");
	ck_assert_str_eq(json_string_value(json_object_get(environ_echo,
		"OPENAI_API_KEY")), "[REDACTED]");
	log_path = rv_xasprintf("%s/taskapp.log", r->out);
	log = tu_read_file(log_path, NULL);
	ck_assert_msg(log && strstr(log, "auth ok, key [REDACTED]..."), "%s",
		      log);
	/* and /info, which names the task and a policy after the keys */
	ck_assert_str_eq(rv_json_str(r->result, "environment.task_app.name"),
			 "name [REDACTED]");
	free(log);
	free(log_path);
	free(cmd);
	rr_free(r);
}
END_TEST

static Suite *hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("local");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_hostile_rewards_are_errors_not_aborts);
	tcase_add_test(tc, test_hostile_text_reaches_no_terminal_raw);
	tcase_add_test(tc, test_hostile_secrets_are_written_nowhere);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(hostile_suite()) ? 1 : 0;
}
