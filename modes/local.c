/*
 * local: the task app runs in place on this host through the `process`
 * provider.  Phases: start (port, then the process), preview, health.
 *
 * The port is the one given or a free one; when something already
 * listens on it the job refuses to start, so that rollouts never go to
 * somebody else's server; when /health answers, our process must still
 * be alive and hold the listening socket.
 */
#include "mode.h"

#include "rv_net.h"

static enum rv_code local_start(struct mode_app *app, struct rv_err *err)
{
	if (app->provider->caps & PROVIDER_CAP_REMOTE)
		return rv_errf(err, RV_ERR_CONFIG,
			       "local mode cannot use provider '%s'",
			       app->provider->name);
	if (app->port == 0) {
		app->port = rv_net_free_port();
		if (app->port <= 0)
			return rv_errf(err, RV_ERR_IO,
				       "cannot find a free port");
	} else if (rv_net_port_in_use(app->port)) {
		return rv_errf(err, RV_ERR_CONFLICT,
			       "port %d is already in use by another process; "
			       "stop it or choose another --port", app->port);
	}
	return mode_step_start(app, err);
}

/*
 * Healthy, and the answer came from our app: the socket listening on the
 * port belongs to the process group we started (closes the window in
 * which another process grabs the port between our probe and the app's
 * bind).
 */
static enum rv_code local_health(struct mode_app *app, struct rv_err *err)
{
	enum rv_code rc = mode_step_health(app, err);

	if (rc == RV_OK && app->proc &&
	    !provider_owns_port(app->sb, app->proc, app->port))
		rc = rv_errf(err, RV_ERR_CONFLICT, "port %d answers, but not "
			     "from the task app runeval started: another "
			     "process holds it", app->port);
	return rc;
}

static const struct mode_step local_steps[] = {
	{ RV_PHASE_START, local_start, 0 },
	{ RV_PHASE_PREVIEW, mode_step_preview, 0 },
	{ RV_PHASE_HEALTH, local_health, 0 },
	{ RV_PHASE_NONE, NULL, 0 },
};

const struct mode_ops mode_local = {
	.name = "local",
	.flags = 0,
	.label = "local",
	.app_host = "127.0.0.1",
	.default_port = 0,
	.up = local_steps,
	.teardown = mode_teardown_common,
};
