/* daytona_world: a runeval --daytona test's world (see daytona_world.h). */
#include "daytona_world.h"

#include "testutil.h"

#include "daytona_api.h"

#include <string.h>

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

/* The sandboxes of any runeval job still on w's server. */
static size_t world_left_sbx(const struct sbx_world *sbx)
{
	const struct lite_server *lite = sbx->provider;

	return daytona_sandboxes_left(lite->api_url, lite->api_key);
}

void world_start(struct world *w, const char *const *lite_args)
{
	memset(w, 0, sizeof(*w));
	ck_assert(lite_server_start(&w->lite, lite_args));
	sbx_world_init(&w->sbx, w->lite.dir, (const char *const[]){
		w->lite.env_url, w->lite.env_key, "DAYTONA_TARGET=", NULL },
		world_left_sbx, &w->lite);
}

size_t world_left(const struct world *w)
{
	return w->sbx.left(&w->sbx);
}

void world_stop(struct world *w)
{
	sbx_world_release(&w->sbx);
	lite_server_stop(&w->lite);
}
