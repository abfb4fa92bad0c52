/* mode: the table of recipes and the steps they share. */
#include "mode.h"

#include "rv_alloc.h"
#include "rv_redact.h"

#include <string.h>

extern const struct mode_ops mode_local;
extern const struct mode_ops mode_sandbox;

static const struct mode_ops *const mode_table[] = {
	&mode_local,
	&mode_sandbox,
	NULL,
};

const struct mode_ops *mode_find(const char *name)
{
	for (size_t i = 0; name && mode_table[i]; i++)
		if (!strcmp(mode_table[i]->name, name))
			return mode_table[i];
	return NULL;
}

const struct mode_ops *mode_for_provider(const struct provider_ops *p)
{
	if (!p)
		return NULL;
	return (p->caps & PROVIDER_CAP_REMOTE) ? &mode_sandbox : &mode_local;
}

enum rv_code mode_prepare(const struct mode_ops *m, struct mode_job *mj,
			  struct rv_err *err)
{
	return m && m->prepare ? m->prepare(mj, err) : RV_OK;
}

void mode_release(const struct mode_ops *m, struct mode_job *mj)
{
	if (m && m->release)
		m->release(mj);
}

enum rv_code mode_teardown(struct mode_app *app, struct rv_err *err)
{
	if (!app || !app->mode || !app->mode->teardown)
		return RV_OK;
	return app->mode->teardown(app, err);
}

const char **mode_app_env(const struct mode_app *app,
			  const char *const *base, char **port_kv)
{
	size_t nb = 0, n = 0, k = 0;
	const char **env;

	while (base && base[nb])
		nb++;
	while (app->env && app->env[n])
		n++;
	env = rv_xcalloc(nb + n + 2, sizeof(*env));
	for (size_t i = 0; i < nb; i++)
		env[k++] = base[i];
	for (size_t i = 0; i < n; i++)
		env[k++] = app->env[i];
	*port_kv = rv_xasprintf("PORT=%d", app->port);
	env[k] = *port_kv;
	return env;
}

enum rv_code mode_start_cmd(struct mode_app *app, const char *shell,
			    const char *const *env, bool clear_env,
			    struct rv_err *err)
{
	struct provider_cmd cmd = { 0 };
	enum rv_code rc;

	if (!app->sb) {
		rc = provider_create(app->provider, app->pcfg, &app->sb, err);
		if (rc != RV_OK)
			return rc;
		app->owns_sb = true;
	}
	cmd.shell = shell;
	cmd.cwd = app->remote_dir ? app->remote_dir : app->app_dir;
	cmd.env = env;
	cmd.clear_env = clear_env;
	cmd.log_path = app->log_path;
	cmd.log_limit = app->log_limit;
	return provider_start_process(app->sb, &cmd, &app->proc, err);
}

enum rv_code mode_step_start(struct mode_app *app, struct rv_err *err)
{
	char *port_kv = NULL;
	const char **env = mode_app_env(app, NULL, &port_kv);
	enum rv_code rc = mode_start_cmd(app, app->start_cmd, env, false, err);

	free(env);
	free(port_kv);
	return rc;
}

enum rv_code mode_step_preview(struct mode_app *app, struct rv_err *err)
{
	if (!app->sb)
		return rv_errf(err, RV_ERR_INTERNAL, "preview before start");
	provider_preview_release(&app->preview);
	return provider_preview(app->sb, app->port, &app->preview, err);
}

enum rv_code mode_step_health(struct mode_app *app, struct rv_err *err)
{
	if (!app->wait_healthy)
		return RV_OK;
	return app->wait_healthy(app, app->wait_healthy_arg, err);
}

/* Keep the first failure in err. */
static void mode_keep_first(enum rv_code *rc, struct rv_err *err,
			    enum rv_code r, const struct rv_err *e)
{
	if (r == RV_OK || *rc != RV_OK)
		return;
	*rc = r;
	if (err)
		*err = *e;
}

enum rv_code mode_teardown_common(struct mode_app *app, struct rv_err *err)
{
	enum rv_code rc = RV_OK, r;
	struct rv_err e = RV_ERR_INIT;

	if (app->proc && app->sb) {
		r = provider_stop_process(app->sb, app->proc,
					  app->stop_grace_ms, &e);
		mode_keep_first(&rc, err, r, &e);
	}
	app->proc = NULL;	/* owned by the sandbox, freed with it */
	if (app->sb && app->owns_sb) {
		rv_err_clear(&e);
		r = provider_destroy(app->sb, &e);
		mode_keep_first(&rc, err, r, &e);
		/* only a confirmed delete ends the journal entry */
		if (r == RV_OK && app->journal)
			app->journal(app, "deleted", app->journal_arg, NULL);
		provider_sandbox_free(app->sb);
	}
	app->sb = NULL;
	app->owns_sb = false;
	provider_preview_release(&app->preview);
	return rc;
}

bool mode_app_exited(struct mode_app *app, struct provider_proc_status *st,
		     size_t max_bytes, char **log_tail)
{
	struct rv_buf b = RV_BUF_INIT;

	if (!app->sb || !app->proc ||
	    provider_process_status(app->sb, app->proc, st, NULL) != RV_OK ||
	    st->running)
		return false;
	provider_process_logs(app->sb, app->proc, max_bytes, &b, NULL);
	rv_redact_buf(&b);
	free(*log_tail);
	*log_tail = rv_buf_detach(&b, NULL);
	return true;
}
