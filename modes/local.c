/*
 * local: the task app runs in place on this host through the `process`
 * provider.  Phases: start (port, then the process), preview, health.
 *
 * The port is the one given or a free one; when something already
 * listens on it the job refuses to start, so that rollouts never go to
 * somebody else's server (the health wait also checks that our process
 * is still alive when /health answers).
 */
#include "mode.h"

#include "process.h"

static enum rv_code local_start(struct mode_app *app, struct rv_err *err)
{
	if (app->provider->caps & PROVIDER_CAP_REMOTE)
		return rv_errf(err, RV_ERR_CONFIG,
			       "local mode cannot use provider '%s'",
			       app->provider->name);
	if (app->port == 0) {
		app->port = process_free_port();
		if (app->port <= 0)
			return rv_errf(err, RV_ERR_IO,
				       "cannot find a free port");
	} else if (process_port_in_use(app->port)) {
		return rv_errf(err, RV_ERR_CONFLICT,
			       "port %d is already in use by another process; "
			       "stop it or choose another --port", app->port);
	}
	return mode_step_start(app, err);
}

static const struct mode_step local_steps[] = {
	{ "start", local_start },
	{ "preview", mode_step_preview },
	{ "health", mode_step_health },
	{ NULL, NULL },
};

const struct mode_ops mode_local = {
	.name = "local",
	.up = local_steps,
	.teardown = mode_teardown_common,
};
