/* daytona_world: a runeval --daytona test's world (see daytona_world.h). */
#include "daytona_world.h"

#include "testutil.h"

#include "daytona_api.h"
#include "rv_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A daytona-lite, a journal dir, runeval's env for both. */
void world_start(struct world *w, const char *const *lite_args)
{
	memset(w, 0, sizeof(*w));
	ck_assert(lite_server_start(&w->lite, lite_args));
	w->state = rv_xasprintf("%s/runeval-state", w->lite.dir);
	snprintf(w->env_state, sizeof(w->env_state), "RUNEVAL_STATE_DIR=%s",
		 w->state);
	w->env[0] = w->lite.env_url;
	w->env[1] = w->lite.env_key;
	w->env[2] = w->env_state;
	w->env[3] = "DAYTONA_TARGET=";
	w->env[4] = NULL;
	w->pyapp = rr_pyapp_dir();
}

size_t daytona_sandboxes_left(const char *api_url, const char *api_key)
{
	struct daytona_config cfg = { .api_url = api_url, .api_key = api_key,
				      .no_env = true };
	struct daytona_client *c = daytona_client_new(&cfg, NULL);
	struct daytona_sandbox_info *v = NULL;
	struct rv_err err = RV_ERR_INIT;
	size_t n = 0;

	ck_assert_ptr_nonnull(c);
	ck_assert_msg(daytona_list(c, "runeval.job", NULL, NULL, &v, &n,
				   &err) == RV_OK, "%s", err.msg);
	daytona_sandbox_list_free(v, n);
	daytona_client_free(c);
	return n;
}

/* Sandboxes left on the server (any runeval job). */
size_t world_left(const struct world *w)
{
	return daytona_sandboxes_left(w->lite.api_url, w->lite.api_key);
}

/* Journal files left (one per job with live sandboxes). */
int world_journals(const struct world *w)
{
	return rr_journals(w->state);
}

void world_stop(struct world *w)
{
	lite_server_stop(&w->lite);
	free(w->state);
	free(w->pyapp);
}

int world_reap(const struct world *w, const char *a1, const char *a2,
	       char **output)
{
	const char *env[] = { w->env[0], w->env[1], w->env[2], NULL };

	return rr_reap(env, a1, a2, output);
}

