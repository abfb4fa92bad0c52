/*
 * local: the task app runs in place on this host through the `process`
 * provider.  Phases: start (port, then the process), preview, health.
 * The app gets a clean environment (local_base_name(), app->env, PORT),
 * or with app->inherit_env all of runeval's under those.
 *
 * The port is the one given or a free one; when something already
 * listens on it the job refuses to start, so that rollouts never go to
 * somebody else's server; when /health answers, our process must still
 * be alive and hold the listening socket.
 */
#include "mode.h"

#include "rv_alloc.h"
#include "rv_net.h"

#include <stdlib.h>
#include <string.h>

extern char **environ;

/*
 * What a local app keeps of runeval's environment without
 * --inherit-env: where programs are, who and where the user is, the
 * locale, the time zone, the temporary directory and the terminal.
 * Never runeval's provider credentials or other secrets: those reach
 * the app only when passed (app->env).
 */
static bool local_base_name(const char *kv)
{
	static const char *const names[] = { "PATH", "HOME", "USER",
		"LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR",
		"TERM" };
	size_t n = strcspn(kv, "=");

	if (!strncmp(kv, "LC_", 3))
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !strncmp(kv, names[i], n))
			return true;
	return false;
}

/* The base entries of environ (borrowed), NULL-ended, malloc'ed. */
static const char **local_base_env(void)
{
	size_t n = 0, k = 0;
	const char **v;

	while (environ[n])
		n++;
	v = rv_xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		if (local_base_name(environ[i]))
			v[k++] = environ[i];
	return v;
}

/* The app: the clean base (or all of ours), app->env, PORT. */
static enum rv_code local_start_app(struct mode_app *app, struct rv_err *err)
{
	const char **base = app->inherit_env ? NULL : local_base_env();
	char *port_kv = NULL;
	const char **env = mode_app_env(app, base, &port_kv);
	enum rv_code rc = mode_start_cmd(app, app->start_cmd, env,
					 !app->inherit_env, err);

	free(env);
	free(port_kv);
	free(base);
	return rc;
}

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
	return local_start_app(app, err);
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
