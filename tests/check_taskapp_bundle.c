/*
 * The self-contained task app directory (make bundle): copied to a
 * scratch place and started with an empty environment (only PORT and
 * ENVIRONMENT_API_KEY), it serves rollouts with its own libraries.
 */
#include "testutil.h"

#include "rv_alloc.h"
#include "rv_http.h"
#include "rv_json.h"
#include "taskapp_harness.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

START_TEST(test_bundle_runs_with_empty_environment)
{
	char *bundle = tu_build_path("taskapp-bundle");
	char *scratch = tu_tmpdir();
	char *cmd = rv_xasprintf("cp -a '%s' '%s/app'", bundle, scratch);
	char *start = rv_xasprintf("%s/app/start.sh", scratch);
	char *port_env = rv_xasprintf("PORT=%d", tu_free_port());
	char *argv[] = { "/usr/bin/env", "-i", port_env,
			 "ENVIRONMENT_API_KEY=" TH_KEY, start, "--host",
			 "127.0.0.1", NULL };
	struct th_app app = { 0 };
	struct th_resp r;
	char *maps_path, *maps, *lib, *body;
	json_t *v;

	ck_assert_msg(system(cmd) == 0, "cannot copy '%s'", bundle);
	ck_assert_msg(access(start, X_OK) == 0, "no '%s' (make bundle?)", start);
	th_start_cmd(&app, argv, NULL);
	ck_assert_int_eq(app.port, atoi(port_env + 5));
	/* the libraries really come from the scratch copy */
	maps_path = rv_xasprintf("/proc/%d/maps", (int)app.pid);
	maps = tu_read_file(maps_path, NULL);
	lib = rv_xasprintf("%s/app/lib/libwebsockets", scratch);
	ck_assert_msg(maps && strstr(maps, lib), "no '%s' in %s", lib, maps_path);
	th_get(&app, "/health", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(rv_json_bool(r.json, "healthy", false));
	th_resp_release(&r);
	body = th_rollout_body(11, "reference", NULL);
	v = th_rollout(&app, body);
	ck_assert(th_reward(v) == 1.0);
	json_decref(v);
	free(body);
	body = th_rollout_body(12, "noop", NULL);
	v = th_rollout(&app, body);
	ck_assert(th_reward(v) == 0.0);
	json_decref(v);
	free(body);
	th_stop(&app);
	tu_rmrf(scratch);
	free(lib);
	free(maps);
	free(maps_path);
	free(port_env);
	free(start);
	free(cmd);
	free(scratch);
	free(bundle);
}
END_TEST

static Suite *bundle_suite(void)
{
	Suite *s = suite_create("taskapp_bundle");
	TCase *tc = tcase_create("bundle");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_bundle_runs_with_empty_environment);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(bundle_suite()) ? 1 : 0;
}
