/*
 * What the task app gets, in local mode: a clean environment plus what
 * is passed (--pass-env, --env, --app-env-file), policy.config from
 * --policy-config and its shortcuts, --policy checked against /info, and
 * a /health that says the app has no key.  build/runeval runs as a
 * process against the Python test app, which reports what it received
 * (--leak: its whole environment, in details.environ, and a key prefix
 * in its log), and against the bundled task app.
 */
#include "testutil.h"
#include "runeval_run.h"

#include "rv_alloc.h"
#include "rv_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPENAI "sk-proj-appenv-3f1c9e27b84d05a6"
#define DAYTONA "dtn-appenv-credential-71a2b3c4d5"
#define FILESECRET "file-secret-9c8b7a6d5e4f3a2b"

static char *pyapp;

static void setup(void)
{
	pyapp = rr_pyapp_dir();
}

static void teardown(void)
{
	free(pyapp);
}

/* details.environ of seed's rollout (what the app saw). */
static json_t *seen_env(const struct rr *r, long seed)
{
	return json_object_get(json_object_get(rr_rollout(r, seed), "details"),
			       "environ");
}

static json_t *config(const struct rr *r, const char *key)
{
	return json_object_get(json_object_get(r->result, "config"), key);
}

START_TEST(test_appenv_local_is_clean_plus_what_is_passed)
{
	const char *args[] = { "--local", "--seeds", "2", "--app", NULL,
			       "--start", "exec python3 app.py --leak",
			       "--pass-env", "OPENAI_API_KEY",
			       "--env", "MODE=fast", NULL };
	const char *env[] = { "OPENAI_API_KEY=" OPENAI,
			      "DAYTONA_API_KEY=" DAYTONA,
			      "UNPASSED_SETTING=whatever", NULL };
	static const char *const kept[] = { "PATH", "HOME", "PORT",
		"ENVIRONMENT_API_KEY", "OPENAI_API_KEY", "MODE" };
	struct rr *r = rr_new();
	json_t *seen, *ae;

	args[4] = pyapp;
	ck_assert_msg(rr_run(r, args, env) == 0, "%s", r->stderr_text);
	seen = seen_env(r, 1);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		ck_assert_msg(json_object_get(seen, kept[i]), "no %s", kept[i]);
	ck_assert_ptr_null(json_object_get(seen, "DAYTONA_API_KEY"));
	ck_assert_ptr_null(json_object_get(seen, "UNPASSED_SETTING"));
	ck_assert_str_eq(json_string_value(json_object_get(seen, "MODE")),
			 "fast");
	ck_assert_str_eq(json_string_value(json_object_get(seen,
			 "OPENAI_API_KEY")), "[REDACTED]");
	/* names only */
	ae = config(r, "app_env");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(ae,
			 "passed"), 0)), "OPENAI_API_KEY");
	ck_assert_uint_eq(json_array_size(json_object_get(ae, "passed")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ae,
			 "set"), "MODE")), "fast");
	ck_assert(json_is_false(json_object_get(ae, "inherit")));
	rr_assert_nowhere(r, NULL, OPENAI);
	rr_assert_nowhere(r, NULL, "sk-proj-appe");	/* a prefix, as apps log */
	rr_assert_nowhere(r, NULL, DAYTONA);
	rr_free(r);
}
END_TEST

START_TEST(test_appenv_inherit_env_gives_everything)
{
	const char *args[] = { "--local", "--seeds", "1", "--app", NULL,
			       "--start", "exec python3 app.py --leak",
			       "--inherit-env", NULL };
	const char *env[] = { "UNPASSED_SETTING=whatever", NULL };
	struct rr *r = rr_new();

	args[4] = pyapp;
	ck_assert_msg(rr_run(r, args, env) == 0, "%s", r->stderr_text);
	ck_assert_str_eq(json_string_value(json_object_get(seen_env(r, 0),
			 "UNPASSED_SETTING")), "whatever");
	ck_assert(json_is_true(json_object_get(config(r, "app_env"),
					       "inherit")));
	rr_free(r);
}
END_TEST

START_TEST(test_appenv_globs_and_the_app_env_file)
{
	const char *args[] = { "--local", "--seeds", "1", "--app", NULL,
			       "--start", "exec python3 app.py --leak",
			       "--pass-env", "SYN_*", "--pass-env", "*_TOKENISH",
			       "--app-env-file", NULL, NULL };
	const char *env[] = { "SYN_A=1", "SYN_B=2", "DAYTONA_TOKENISH=no",
			      "RUNEVAL_TOKENISH=no", "MY_TOKENISH=yes", NULL };
	struct rr *r = rr_new();
	char *file = rv_xasprintf("%s/app.env", r->dir);
	FILE *f = fopen(file, "w");
	json_t *seen, *passed;

	fprintf(f, "# for the app\nFROM_FILE='" FILESECRET "'\n");
	fclose(f);
	args[4] = pyapp;
	args[12] = file;
	ck_assert_msg(rr_run(r, args, env) == 0, "%s", r->stderr_text);
	seen = seen_env(r, 0);
	ck_assert_str_eq(json_string_value(json_object_get(seen, "SYN_A")),
			 "1");
	ck_assert_ptr_nonnull(json_object_get(seen, "SYN_B"));
	ck_assert_ptr_nonnull(json_object_get(seen, "MY_TOKENISH"));
	ck_assert_ptr_nonnull(json_object_get(seen, "FROM_FILE"));
	/* a glob never hands over runeval's own variables */
	ck_assert_ptr_null(json_object_get(seen, "DAYTONA_TOKENISH"));
	ck_assert_ptr_null(json_object_get(seen, "RUNEVAL_TOKENISH"));
	passed = json_object_get(config(r, "app_env"), "passed");
	ck_assert_uint_eq(json_array_size(passed), 4);
	rr_assert_nowhere(r, NULL, FILESECRET);
	free(file);
	rr_free(r);
}
END_TEST

/* The configuration file and RUNEVAL_* follow the same rules. */
START_TEST(test_appenv_from_config_and_environment)
{
	const char *args[] = { "--local", "--seeds", "1", "--app", NULL,
			       "--start", "exec python3 app.py --leak",
			       "--config", NULL, NULL };
	const char *env[] = { "OPENAI_API_KEY=" OPENAI, "SYN_A=1",
			      "RUNEVAL_PASS_ENV=OPENAI_API_KEY,SYN_A", NULL };
	struct rr *r = rr_new();
	char *dir = tu_tmpdir(), *yaml = rv_xasprintf("%s/runeval.yaml", dir);
	FILE *f = fopen(yaml, "w");
	json_t *seen;

	fprintf(f, "pass-env: [NOT_USED_ENV_WINS]\nenv:\n  MODE: fast\n"
		"  LEVEL: 3\ntemperature: 0.5\n");
	fclose(f);
	args[4] = pyapp;
	args[8] = yaml;
	ck_assert_msg(rr_run(r, args, env) == 0, "%s", r->stderr_text);
	seen = seen_env(r, 0);
	/* RUNEVAL_PASS_ENV replaced the file's list */
	ck_assert_ptr_nonnull(json_object_get(seen, "OPENAI_API_KEY"));
	ck_assert_ptr_nonnull(json_object_get(seen, "SYN_A"));
	ck_assert_str_eq(json_string_value(json_object_get(seen, "MODE")),
			 "fast");
	ck_assert_str_eq(json_string_value(json_object_get(seen, "LEVEL")),
			 "3");
	rr_assert_nowhere(r, NULL, OPENAI);
	rr_free(r);
	/* a credential in the file is refused, naming file and line */
	r = rr_new();
	f = fopen(yaml, "w");
	fprintf(f, "seeds: 1\npolicy-config:\n  api_key: sk-in-a-file\n");
	fclose(f);
	ck_assert_int_eq(rr_run(r, args, NULL), 2);
	ck_assert_msg(strstr(r->stderr_text, "must not carry 'api_key'") &&
		      strstr(r->stderr_text, "line"), "%s", r->stderr_text);
	ck_assert_ptr_null(strstr(r->stderr_text, "sk-in-a-file"));
	f = fopen(yaml, "w");
	fprintf(f, "env:\n  OPENAI_API_KEY: sk-in-a-file\n");
	fclose(f);
	rr_free(r);
	r = rr_new();
	ck_assert_int_eq(rr_run(r, args, NULL), 2);
	ck_assert_msg(strstr(r->stderr_text, "looks like a secret"), "%s",
		      r->stderr_text);
	ck_assert_ptr_null(strstr(r->stderr_text, "sk-in-a-file"));
	tu_rmrf(dir);
	free(dir);
	free(yaml);
	rr_free(r);
}
END_TEST

/* A resumed job passes the app what the job passed it, and no more. */
START_TEST(test_appenv_resume_passes_the_same)
{
	const char *args[] = { "--local", "--seeds", "2", "--app", NULL,
			       "--start", "exec python3 app.py --leak --fault "
			       "1:500", "--pass-env", "OPENAI_API_KEY", "--env",
			       "MODE=fast", "--policy-config", "{\"x\": 1}",
			       NULL };
	const char *res[] = { "resume", NULL, NULL };
	const char *env[] = { "OPENAI_API_KEY=" OPENAI, NULL };
	struct rr *r = rr_new(), *again = rr_new();
	json_t *seen;

	args[4] = pyapp;
	ck_assert_int_eq(rr_run(r, args, env), 1);	/* seed 1 failed */
	res[1] = r->out;
	free(again->out);
	again->out = rv_xstrdup(r->out);
	ck_assert_msg(rr_run(again, res, env) == 1, "%s",
		      again->stderr_text);
	seen = json_object_get(json_object_get(rr_rollout(again, 1),
					       "details"), "environ");
	ck_assert(!seen || json_object_get(seen, "OPENAI_API_KEY"));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(
		json_object_get(json_object_get(again->result, "config"),
				"app_env"), "passed"), 0)), "OPENAI_API_KEY");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
		json_object_get(again->result, "config"), "policy_config"),
		"x")), 1);
	rr_assert_nowhere(again, NULL, OPENAI);
	rr_free(again);
	rr_free(r);
}
END_TEST

/* a name of 128 bytes, before what makes it a secret */
#define NAME_128 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

/* Each: the args after "--local --seeds 1", what stderr must say. */

START_TEST(test_appenv_bad_input)
{
	static const char *const bad[][6] = {
		{ "--pass-env", "NOT_SET_ANYWHERE", NULL, NULL, "NOT_SET_ANYWHERE "
		  "is not set" },
		{ "--pass-env", "NO_SUCH_*", NULL, NULL, "matches no variable" },
		{ "--pass-env", "BAD-NAME", NULL, NULL, "invalid value "
		  "'BAD-NAME' for '--pass-env'" },
		{ "--pass-env", "PORT", NULL, NULL, "runeval sets PORT itself" },
		{ "--env", "OPENAI_API_KEY=sk-x", NULL, NULL, "looks like a "
		  "secret" },
		{ "--env", "ENVIRONMENT_API_KEY=x", NULL, NULL, "runeval sets" },
		{ "--env", "1BAD=x", NULL, NULL, "expected KEY=VALUE" },
		{ "--app-env-file", "/nonexistent/app.env", NULL, NULL,
		  "cannot read env file '/nonexistent/app.env'" },
		{ "--policy-config", "{\"api_key\":\"sk-x\"}", NULL, NULL,
		  "must not carry 'api_key'" },
		{ "--policy-config", "{\"extra\":{\"Authorization\":\"B\"}}",
		  NULL, NULL, "must not carry 'Authorization'" },
		{ "--policy-config", "{\"policy\":\"noop\"}", NULL, NULL,
		  "use '--policy NAME'" },
		{ "--policy-config", "[1]", NULL, NULL, "must be a JSON object" },
		{ "--policy-config", "{", NULL, NULL, "'--policy-config'" },
		/* env.config and the inference URL land in result.json too */
		{ "--env-config", "{\"api_key\":\"sk-x\"}", NULL, NULL,
		  "'--env-config' must not carry 'api_key'" },
		{ "--env-config", "[1]", NULL, NULL, "'--env-config' must be "
		  "a JSON object" },
		{ "--inference-url", "http://u:sk-x@127.0.0.1:9/v1", NULL, NULL,
		  "'--inference-url' must not carry a user or password" },
		{ "--inference-url", "http:/u:sk-x@127.0.0.1:9/v1", NULL, NULL,
		  "'--inference-url' must not carry a user or password" },
		{ "--inference-url", "http://127.0.0.1:9/v1?api_key=sk-x", NULL,
		  NULL, "must not carry a credential in its query ('api_key')" },
		{ "--env-config", "{\"db\":{\"authToken\":\"sk-x\"}}", NULL,
		  NULL, "'--env-config' must not carry 'authToken'" },
		/* the whole name is read: past 127 bytes it was not, and
		   a percent-encoded query name was not decoded */
		{ "--env", NAME_128 "_PASSWORD=sk-x", NULL, NULL, "looks like a "
		  "secret" },
		{ "--policy-config", "{\"" NAME_128 "_api_key\":\"sk-x\"}", NULL, NULL,
		  "must not carry" },
		{ "--inference-url", "http://127.0.0.1:9/v1?api%5Fkey=sk-x",
		  NULL, NULL, "must not carry a credential in its query "
		  "('api_key')" },
		{ "--temperature", "3", NULL, NULL, "from 0 to 2" },
		{ "--max-turns", "0", NULL, NULL, "'--max-turns'" },
		{ "--network-allow", "10.0.2.2/32", NULL, NULL, "needs a "
		  "sandbox mode" },
		{ "--network-block-all", NULL, NULL, NULL, "needs a sandbox "
		  "mode" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[8] = { "--local", "--seeds", "1" };
		struct rr *r = rr_new();
		size_t n = 3;

		for (size_t j = 0; j < 4 && bad[i][j]; j++)
			args[n++] = bad[i][j];
		args[n] = NULL;
		ck_assert_int_eq(rr_run(r, args, NULL), 2);
		ck_assert_msg(strstr(r->stderr_text, bad[i][4]),
			      "%s: %s", bad[i][0], r->stderr_text);
		/* never echoes the value of a secret-looking --env */
		ck_assert_ptr_null(strstr(r->stderr_text, "sk-x"));
		rr_free(r);
	}
	/* a task's own settings are not credentials */
	{
		const char *args[] = { "--local", "--seeds", "1", "--dry-run",
				       "--env-config", "{\"keywords\":[\"a\"],"
				       "\"sort_key\":1,\"secret_word\":\"b\","
				       "\"max_tokens\":9}", NULL };
		struct rr *r = rr_new();

		ck_assert_msg(rr_run(r, args, NULL) == 0, "%s",
			      r->stderr_text);
		rr_free(r);
	}
	{
		const char *args[] = { "--daytona", "--seeds", "1",
				       "--inherit-env", NULL };
		const char *env[] = { "DAYTONA_API_KEY=x",
				      "DAYTONA_API_URL=http://127.0.0.1:9/api",
				      NULL };
		struct rr *r = rr_new();

		ck_assert_int_eq(rr_run(r, args, env), 2);
		ck_assert_ptr_nonnull(strstr(r->stderr_text, "'--inherit-env' "
					     "is for local mode"));
		rr_free(r);
	}
}
END_TEST

START_TEST(test_appenv_policy_config_is_merged)
{
	const char *args[] = { "--local", "--seeds", "1", "--app", NULL,
			       "--start", "exec python3 app.py",
			       "--policy-config", "{\"model\": \"from-json\", "
			       "\"temperature\": 1.5, \"extra\": {\"a\": [1]}}",
			       "--temperature", "0.25", "--max-tokens", "300",
			       "--max-turns", "3", "--model", "m", NULL };
	struct rr *r = rr_new();
	json_t *sent, *rec;

	args[4] = pyapp;
	ck_assert_msg(rr_run(r, args, NULL) == 0, "%s", r->stderr_text);
	sent = json_object_get(json_object_get(rr_rollout(r, 0), "details"),
			       "policy_config");
	/* a flag wins over the same key of --policy-config */
	ck_assert_str_eq(json_string_value(json_object_get(sent, "model")),
			 "m");
	ck_assert(json_real_value(json_object_get(sent, "temperature")) ==
		  0.25);
	ck_assert_int_eq(json_integer_value(json_object_get(sent,
			 "max_tokens")), 300);
	ck_assert_int_eq(json_integer_value(json_object_get(sent,
			 "max_turns")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(sent, "policy")),
			 "reference");
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(
		json_object_get(sent, "extra"), "a"), 0)), 1);
	/* and result.json says what was sent */
	rec = config(r, "policy_config");
	ck_assert(json_equal(rec, sent));
	rr_free(r);
}
END_TEST

/* The bundled task app lists its policies: a typo fails before any
   rollout, naming them; the app's identity is recorded. */
START_TEST(test_appenv_policy_checked_against_info)
{
	const char *args[] = { "--local", "--seeds", "3", "--policy",
			       "refrence", NULL };
	const char *good[] = { "--local", "--seeds", "1", "--policy", "noop",
			       NULL };
	struct rr *r = rr_new();
	json_t *app, *rollouts, *x;
	size_t i;

	ck_assert_int_eq(rr_run(r, args, NULL), 2);
	ck_assert_msg(strstr(r->stderr_text, "policy 'refrence' is not one the "
			     "task app offers (reference, noop, code, llm)"),
		      "%s", r->stderr_text);
	ck_assert(!rr_has_span(r, "rollout"));
	rollouts = json_object_get(r->result, "rollouts");
	json_array_foreach(rollouts, i, x) {
		ck_assert_str_eq(json_string_value(json_object_get(x, "state")),
				 "cancelled");
		/* why, as it was: not that no sandbox came up */
		ck_assert_str_eq(json_string_value(json_object_get(x, "error")),
				 "not run: the task app refused the job's "
				 "configuration");
	}
	rr_free(r);
	r = rr_new();
	ck_assert_msg(rr_run(r, good, NULL) == 0, "%s", r->stderr_text);
	app = json_object_get(json_object_get(r->result, "environment"),
			      "task_app");
	ck_assert_str_eq(json_string_value(json_object_get(app, "id")),
			 "minibench");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(app, "name")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(app,
								"version")));
	ck_assert_uint_eq(json_array_size(json_object_get(app, "policies")), 4);
	rr_free(r);
}
END_TEST

/* An app that got no key says so at /health: fail at once with that. */
START_TEST(test_appenv_missing_key_fails_at_once)
{
	const char *args[] = { "--local", "--seeds", "1", "--app", NULL,
			       "--start", "exec env -u ENVIRONMENT_API_KEY "
			       "python3 app.py", "--health-timeout", "60",
			       NULL };
	struct rr *r = rr_new();
	uint64_t t0 = rv_now_ns();

	args[4] = pyapp;
	ck_assert_int_eq(rr_run(r, args, NULL), 3);
	/* generous for a loaded machine, far below the health timeout */
	ck_assert(rv_now_ns() - t0 < 30 * RV_NS_PER_SEC);
	ck_assert_msg(strstr(r->stderr_text, "missing_environment_api_key"),
		      "%s", r->stderr_text);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		r->result, "job"), "failed_phase")), "health");
	rr_free(r);
}
END_TEST

static Suite *appenv_suite(void)
{
	Suite *s = suite_create("appenv");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_appenv_local_is_clean_plus_what_is_passed);
	tcase_add_test(tc, test_appenv_inherit_env_gives_everything);
	tcase_add_test(tc, test_appenv_globs_and_the_app_env_file);
	tcase_add_test(tc, test_appenv_from_config_and_environment);
	tcase_add_test(tc, test_appenv_resume_passes_the_same);
	tcase_add_test(tc, test_appenv_policy_config_is_merged);
	tcase_add_test(tc, test_appenv_policy_checked_against_info);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_appenv_bad_input);
	tcase_add_test(tc, test_appenv_missing_key_fails_at_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(appenv_suite()) ? 1 : 0;
}
