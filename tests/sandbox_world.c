/* sandbox_world: a sandbox provider test's world (see sandbox_world.h). */
#include "sandbox_world.h"

#include "testutil.h"

#include "rv_alloc.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void sbx_world_init(struct sbx_world *w, const char *dir,
		    const char *const *env,
		    size_t (*left)(const struct sbx_world *w),
		    const void *provider)
{
	size_t n = 0;

	memset(w, 0, sizeof(*w));
	w->dir = rv_xstrdup(dir);
	w->state = rv_xasprintf("%s/runeval-state", dir);
	snprintf(w->env_state, sizeof(w->env_state), "RUNEVAL_STATE_DIR=%s",
		 w->state);
	for (; env && env[n]; n++) {
		ck_assert_uint_lt(n, SBX_WORLD_MAX_ENV);
		w->env[n] = env[n];
	}
	w->env[n] = w->env_state;
	w->pyapp = rr_pyapp_dir();
	w->left = left;
	w->provider = provider;
}

void sbx_world_release(struct sbx_world *w)
{
	free(w->dir);
	free(w->state);
	free(w->pyapp);
	memset(w, 0, sizeof(*w));
}

int sbx_world_journals(const struct sbx_world *w)
{
	return rr_journals(w->state);
}

int sbx_world_reap(const struct sbx_world *w, const char *a1, const char *a2,
		   char **output)
{
	return rr_reap(w->env, a1, a2, output);
}

void sbx_assert_ran_clean(const struct sbx_world *w, const struct rr *r,
			  int want_status)
{
	ck_assert_msg(r->status == want_status, "exit %d, want %d; stderr:\n%s",
		      r->status, want_status, r->stderr_text);
	ck_assert_ptr_nonnull(r->result);
	ck_assert_uint_eq(w->left(w), 0);
	ck_assert_int_eq(sbx_world_journals(w), 0);
}

void sbx_interrupt_during(const struct sbx_world *w, const char *const *args,
			  const char *phase, bool twice)
{
	struct rr *r = rr_new();

	rr_interrupt(r, args, w->env, phase, twice);
	sbx_assert_ran_clean(w, r, 130);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		r->result, "job"), "status")), "interrupted");
	rr_free(r);
}

struct rr *sbx_run_headline(const struct sbx_world *w, const char *provider,
			    const char *api_url, char **log)
{
	static const char *const phases[] = { "provision", "upload",
		"install", "start", "preview", "health", "rollouts",
		"rollout", "teardown", NULL };
	char *flag = rv_xasprintf("--%s", provider);
	const char *args[] = { flag, "--seeds", "5", NULL };
	struct rr *r = rr_new();
	json_t *env;

	rr_run(r, args, w->env);
	sbx_assert_ran_clean(w, r, 0);
	ck_assert(fabs(rr_summary_num(r, "mean_reward") - 1.0) < 1e-9);
	rr_assert_phases(r, phases, provider);
	/* the create is in the attempt log */
	ck_assert_ptr_nonnull(json_object_get(rr_first_span(r, "provision"),
					      "attempt_log"));
	env = json_object_get(r->result, "environment");
	ck_assert_str_eq(json_string_value(json_object_get(env, "mode")),
			 "sandbox");
	ck_assert_str_eq(json_string_value(json_object_get(env, "api_url")),
			 api_url);
	*log = rv_xasprintf("%s/sandbox-%s/taskapp.log", r->out,
			    json_string_value(json_object_get(
				    rr_first_span(r, "health"), "sandbox")));
	free(flag);
	return r;
}
