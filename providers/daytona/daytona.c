/* The `daytona` provider: provider_ops over the Daytona client. */
#include "daytona.h"

#include "daytona_api.h"
#include "daytona_toolbox.h"
#include "daytona_ws.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_random.h"
#include "rv_redact.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define DT_DESTROY_DEADLINE_MS 120000
#define DT_UPLOAD_DEADLINE_MS 600000
#define DT_SHORT_DEADLINE_MS 30000

struct provider_proc {
	char *sid, *cid;
	char *log_path;
	struct daytona_follow *follow;
	struct rv_redact_stream log;	/* to the log file (fd -1: none) */
	bool stopped;
	struct provider_proc *next;
};

struct daytona_sandbox {
	struct provider_sandbox base;	/* first */
	struct daytona_client *client;
	char *toolbox;			/* toolbox base URL */
	struct provider_proc *procs;
	unsigned nsessions;
};

static struct daytona_sandbox *dt_downcast(struct provider_sandbox *sb)
{
	if (sb->ops != &provider_daytona)
		rv_bug("daytona: foreign sandbox '%s'", sb->ops->name);
	return (struct daytona_sandbox *)sb;
}

static struct daytona_client *dt_client(const struct provider_config *cfg,
					struct rv_err *err)
{
	struct daytona_config dc = { 0 };

	dc.api_url = cfg ? cfg->api_url : NULL;
	dc.api_key = cfg ? cfg->api_key : NULL;
	dc.target = cfg ? cfg->target : NULL;
	dc.pool = remote_pool(&provider_daytona);
	return daytona_client_new(&dc, err);
}

/* Credentials present?  The message names DAYTONA_API_KEY and _URL. */
static enum rv_code dt_check(const struct provider_config *cfg,
			     struct provider_endpoint *ep, struct rv_err *err)
{
	struct daytona_client *c = dt_client(cfg, err);

	if (!c)
		return err ? err->code : RV_ERR_CONFIG;
	ep->api_url = rv_xstrdup(daytona_client_api_url(c));
	ep->target = rv_xstrdup(daytona_client_target(c));
	daytona_client_free(c);
	return RV_OK;
}

/* Labels: runeval.job=<job> then cfg->labels, as "k=v" (malloc'ed). */
static char **dt_labels(const struct provider_config *cfg)
{
	char **v = rv_xcalloc(cfg->n_labels + 2, sizeof(char *));
	size_t n = 0;

	v[n++] = rv_xasprintf("%s=%s", PROVIDER_LABEL_JOB, cfg->job_id);
	for (size_t i = 0; i < cfg->n_labels; i++)
		if (cfg->labels[i].key && cfg->labels[i].value)
			v[n++] = rv_xasprintf("%s=%s", cfg->labels[i].key,
					      cfg->labels[i].value);
	return v;
}

static void dt_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* Delete what a failed create left; the create's error stays in err. */
static void dt_cleanup_failed(struct daytona_client *c,
			      const struct provider_config *cfg,
			      const char *id_or_name, struct rv_err *err)
{
	struct remote_call call = remote_call_firm(cfg, DT_DESTROY_DEADLINE_MS);
	struct rv_err e = RV_ERR_INIT;

	if (daytona_delete(c, id_or_name, &call, &e) != RV_OK)
		provider_err_leftover(err, &e);
}

static struct daytona_sandbox *dt_sandbox_new(struct daytona_client *c,
					      const struct provider_config *cfg,
					      const struct daytona_sandbox_info *i,
					      char *toolbox)
{
	struct daytona_sandbox *ds = rv_xcalloc(1, sizeof(*ds));

	provider_sandbox_init(&ds->base, &provider_daytona, cfg, i->id,
			      i->name);
	ds->client = c;
	ds->toolbox = toolbox;
	return ds;
}

static enum rv_code dt_create(const struct provider_config *cfg,
			      struct provider_sandbox **out,
			      struct rv_err *err)
{
	struct daytona_client *c = dt_client(cfg, err);
	struct daytona_create_opts o = { 0 };
	struct daytona_sandbox_info info = { 0 };
	long tmo = cfg->create_timeout_ms > 0 ? cfg->create_timeout_ms :
		DAYTONA_CREATE_TIMEOUT_MS;
	struct remote_call call = remote_call_for(cfg, tmo);
	char **labels = NULL, *toolbox = NULL, *name = NULL, rnd[17];
	enum rv_code rc;

	if (!c)
		return err ? err->code : RV_ERR_CONFIG;
	remote_rand_hex(rnd, 8);
	name = cfg->name ? rv_xstrdup(cfg->name) :
		rv_xasprintf("runeval-%s-%s", cfg->job_id, rnd);
	labels = dt_labels(cfg);
	o.name = name;
	o.snapshot = cfg->snapshot;
	o.image = cfg->image;
	o.env = cfg->env;
	o.labels = (const char *const *)labels;
	o.auto_stop_min = cfg->auto_stop_min > 0 ? (int)cfg->auto_stop_min :
		(int)DAYTONA_AUTO_STOP_MIN;
	o.auto_delete_min = cfg->auto_delete_min >= 0 ?
		(int)cfg->auto_delete_min : -1;
	o.network_allow = cfg->network_allow;
	o.network_block_all = cfg->network_block_all;
	rc = daytona_create(c, &o, &call, &info, err);
	if (rc != RV_OK)
		goto out;
	if (strcmp(info.state, "started"))
		rc = daytona_wait_started(c, info.id, &call, &info, err);
	if (rc == RV_OK)
		rc = daytona_toolbox_base(c, &info, &call, &toolbox, err);
	if (rc != RV_OK) {
		dt_cleanup_failed(c, cfg, info.id, err);
		goto out;
	}
	*out = &dt_sandbox_new(c, cfg, &info, toolbox)->base;
	c = NULL;
	toolbox = NULL;
out:
	daytona_sandbox_info_release(&info);
	daytona_client_free(c);
	dt_strv_free(labels);
	free(toolbox);
	free(name);
	return rc;
}

static enum rv_code dt_attach(const struct provider_config *cfg,
			      const char *id, struct provider_sandbox **out,
			      struct rv_err *err)
{
	struct daytona_client *c = dt_client(cfg, err);
	struct daytona_sandbox_info info = { 0 };
	struct remote_call call = remote_call_firm(cfg, DT_SHORT_DEADLINE_MS);
	enum rv_code rc;

	if (!c)
		return err ? err->code : RV_ERR_CONFIG;
	rc = daytona_get(c, id, &call, &info, err);
	if (rc == RV_OK) {
		char *toolbox = NULL;

		/* without a toolbox the handle can still be destroyed */
		daytona_toolbox_base(c, &info, &call, &toolbox, NULL);
		*out = &dt_sandbox_new(c, cfg, &info, toolbox)->base;
		c = NULL;
	}
	daytona_sandbox_info_release(&info);
	daytona_client_free(c);
	return rc;
}

static enum rv_code dt_list(const struct provider_config *cfg,
			    const char *key, const char *value,
			    struct provider_list *out, struct rv_err *err)
{
	struct daytona_client *c = dt_client(cfg, err);
	struct remote_call call = remote_call_firm(cfg, 60000);
	struct daytona_sandbox_info *v = NULL;
	enum rv_code rc;
	size_t n = 0;

	if (!c)
		return err ? err->code : RV_ERR_CONFIG;
	rc = daytona_list(c, key ? key : PROVIDER_LABEL_JOB, value, &call, &v,
			  &n, err);
	for (size_t i = 0; rc == RV_OK && i < n; i++) {
		provider_list_add(out, v[i].id, v[i].name, v[i].state,
				  v[i].job_label);
		v[i].id = v[i].name = v[i].state = v[i].job_label = NULL;
	}
	daytona_sandbox_list_free(v, n);
	daytona_client_free(c);
	return rc;
}

static enum rv_code dt_upload(struct provider_sandbox *sb,
			      const char *tarball, const char *sha,
			      const char *dir, struct rv_err *err)
{
	struct daytona_sandbox *ds = dt_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg, DT_UPLOAD_DEADLINE_MS);
	struct daytona_exec_result res = { 0 };
	char rnd[17], *remote, *cmd = NULL;
	enum rv_code rc;

	if (remote_upload_check(tarball, err))
		return RV_ERR_IO;
	remote_rand_hex(rnd, 8);
	remote = rv_xasprintf("/tmp/runeval-upload-%s.tar.gz", rnd);
	rc = daytona_upload_file(ds->client, ds->toolbox, tarball, remote,
				 &call, err);
	if (rc != RV_OK)
		goto out;
	cmd = remote_unpack_command(sha, remote, dir);
	rc = daytona_execute(ds->client, ds->toolbox, cmd, NULL, 300, true,
			     &call, &res, err);
	if (rc == RV_OK && res.exit_code != 0)
		rc = remote_unpack_error(sb->id, res.exit_code, res.output,
					 err);
out:
	daytona_exec_result_release(&res);
	free(cmd);
	free(remote);
	return rc;
}

/*
 * Write the exports vars (secrets, maybe) at path in the sandbox: a file
 * upload from a memory file, so that no request the toolbox records or
 * echoes (a command's text) carries the values.
 */
static enum rv_code dt_env_upload(struct daytona_sandbox *ds,
				  const char *path, const struct rv_buf *vars,
				  const struct remote_call *call,
				  struct rv_err *err)
{
	int fd = memfd_create("runeval-env", MFD_CLOEXEC);
	char *local;
	enum rv_code rc;

	if (fd < 0)
		return rv_errf(err, RV_ERR_IO, "cannot make the command's env "
			       "file: %s", strerror(errno));
	if (rv_write_all(fd, vars->data, vars->len) < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot write the command's env "
			     "file: %s", strerror(errno));
		close(fd);
		return rc;
	}
	local = rv_xasprintf("/proc/self/fd/%d", fd);
	rc = daytona_upload_file(ds->client, ds->toolbox, local, path, call,
				 err);
	free(local);
	close(fd);
	return rc;
}

/*
 * "cd DIR && . ENVFILE && rm -f ENVFILE && <command>" for a session or
 * an execute (the env file, uploaded here, only when cmd has an env).
 */
static enum rv_code dt_command_line(struct daytona_sandbox *ds,
				    const struct provider_cmd *cmd,
				    bool with_cwd,
				    const struct remote_call *call,
				    char **out, struct rv_err *err)
{
	struct rv_buf b = RV_BUF_INIT, vars = RV_BUF_INIT;
	enum rv_code rc = RV_OK;

	if (with_cwd && cmd->cwd) {
		rv_buf_adds(&b, "cd ");
		rv_buf_add_shell_word(&b, cmd->cwd);
		rv_buf_adds(&b, " && ");
	}
	remote_add_exports(&vars, cmd->env, "\n");
	if (vars.len) {
		char *path = remote_add_env_source(&b);

		rc = dt_env_upload(ds, path, &vars, call, err);
		free(path);
		explicit_bzero(vars.data, vars.len);
	}
	remote_add_command(&b, cmd);
	*out = rc == RV_OK ? rv_buf_detach(&b, NULL) : NULL;
	rv_buf_release(&b);
	rv_buf_release(&vars);
	return rc;
}

static enum rv_code dt_exec(struct provider_sandbox *sb,
			    const struct provider_cmd *cmd,
			    struct provider_exec_result *res,
			    struct rv_err *err)
{
	struct daytona_sandbox *ds = dt_downcast(sb);
	int tmo_s = cmd->timeout_ms > 0 ? (int)((cmd->timeout_ms + 999) / 1000)
		: 0;
	struct remote_call call = remote_call_for(sb->cfg, tmo_s ? tmo_s * 1000L +
					   60000 : 24L * 3600 * 1000);
	struct daytona_exec_result r = { 0 };
	char *line = NULL;
	enum rv_code rc = dt_command_line(ds, cmd, false, &call, &line, err);

	if (rc == RV_OK)
		rc = daytona_execute(ds->client, ds->toolbox, line, cmd->cwd,
				     tmo_s, false, &call, &r, err);
	if (rc == RV_OK) {
		rv_buf_reset(&res->output);
		rv_buf_add(&res->output, r.output, strlen(r.output) > 1 << 20 ?
			   1 << 20 : strlen(r.output));
		res->exit_code = r.exit_code;
	}
	daytona_exec_result_release(&r);
	free(line);
	return rc;
}

static void dt_log_sink(enum daytona_stream s, const char *data, size_t len,
			void *arg)
{
	struct provider_proc *p = arg;

	(void)s;	/* one log file, both streams in arrival order */
	rv_redact_stream_write(&p->log, data, len);
}

/* Stop following: let the stream end by itself for a moment first. */
static void dt_follow_end(struct provider_proc *p, long wait_ms)
{
	uint64_t end = rv_now_ns() + (uint64_t)wait_ms * RV_NS_PER_MS;

	while (p->follow && !daytona_follow_ended(p->follow) &&
	       rv_now_ns() < end)
		rv_sleep_ns(5 * RV_NS_PER_MS, NULL);
	daytona_follow_stop(p->follow, NULL);
	p->follow = NULL;
	rv_redact_stream_finish(&p->log);
}

static void dt_proc_free(struct provider_proc *p)
{
	dt_follow_end(p, 0);
	if (p->log.fd >= 0)
		close(p->log.fd);
	rv_redact_stream_release(&p->log);
	free(p->log_path);
	free(p->sid);
	free(p->cid);
	free(p);
}

static enum rv_code dt_start(struct provider_sandbox *sb,
			     const struct provider_cmd *cmd,
			     struct provider_proc **out, struct rv_err *err)
{
	struct daytona_sandbox *ds = dt_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg, 60000);
	struct provider_proc *p = rv_xcalloc(1, sizeof(*p));
	struct rv_err e = RV_ERR_INIT;
	char rnd[9], *line = NULL, *ws = NULL;
	enum rv_code rc;

	/* a log that cannot be written fails the start before it happens */
	rc = remote_log_open(&p->log, cmd->log_path, cmd->log_limit, err);
	if (rc != RV_OK)
		goto fail;
	p->log_path = rv_xstrdup(cmd->log_path);
	remote_rand_hex(rnd, 4);
	p->sid = rv_xasprintf("runeval-%u-%s", ++ds->nsessions, rnd);
	rc = daytona_session_create(ds->client, ds->toolbox, p->sid, &call,
				    err);
	if (rc != RV_OK)
		goto fail;
	rc = dt_command_line(ds, cmd, true, &call, &line, err);
	if (rc != RV_OK)
		goto fail;
	rc = daytona_session_exec_async(ds->client, ds->toolbox, p->sid, line,
					&call, &p->cid, err);
	if (rc != RV_OK)
		goto fail;
	ws = daytona_logs_ws_url(ds->toolbox, p->sid, p->cid);
	p->follow = daytona_follow_start(ws, daytona_client_headers(ds->client),
					 dt_log_sink, p, &e);
	if (!p->follow && p->log.fd >= 0)
		dprintf(p->log.fd, "runeval: %s\n", e.msg);
	p->next = ds->procs;
	ds->procs = p;
	*out = p;
	free(line);
	free(ws);
	return RV_OK;
fail:
	free(line);
	dt_proc_free(p);
	return rc;
}

static enum rv_code dt_status(struct provider_sandbox *sb,
			      struct provider_proc *p,
			      struct provider_proc_status *st,
			      struct rv_err *err)
{
	struct daytona_sandbox *ds = dt_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg, DT_SHORT_DEADLINE_MS);
	int code = -1;
	bool done = false;
	enum rv_code rc;

	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	if (p->stopped)
		return RV_OK;
	/* the log stream stays open exactly while the command runs */
	if (p->follow && !daytona_follow_ended(p->follow)) {
		st->running = true;
		return RV_OK;
	}
	rc = daytona_command_status(ds->client, ds->toolbox, p->sid, p->cid,
				    &call, &done, &code, err);
	if (rc == RV_ERR_NOTFOUND) {
		rv_err_clear(err);
		return RV_OK;	/* the session is gone: not running */
	}
	if (rc != RV_OK)
		return rc;
	st->running = !done;
	st->exit_code = done ? code : 0;
	return RV_OK;
}

static enum rv_code dt_logs(struct provider_sandbox *sb,
			    struct provider_proc *p, size_t max_bytes,
			    struct rv_buf *out, struct rv_err *err)
{
	struct daytona_sandbox *ds = dt_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg, DT_SHORT_DEADLINE_MS);
	char *so = NULL, *se = NULL;
	enum rv_code rc;
	size_t len;

	if (p->log_path && rv_redact_stream_read_tail(&p->log, p->log_path,
						      max_bytes, out) > 0)
		return RV_OK;
	/* no local copy (yet): ask the toolbox */
	rc = daytona_command_logs(ds->client, ds->toolbox, p->sid, p->cid,
				  &call, &so, &se, err);
	if (rc == RV_OK) {
		struct rv_buf b = RV_BUF_INIT;

		rv_buf_adds(&b, so);
		rv_buf_adds(&b, se);
		len = b.len > max_bytes ? max_bytes : b.len;
		rv_buf_add(out, b.data + b.len - len, len);
		rv_buf_release(&b);
	}
	free(so);
	free(se);
	return rc;
}

static enum rv_code dt_stop(struct provider_sandbox *sb,
			    struct provider_proc *p, long grace_ms,
			    struct rv_err *err)
{
	struct daytona_sandbox *ds = dt_downcast(sb);
	struct remote_call call = remote_call_firm(sb->cfg, DT_SHORT_DEADLINE_MS);
	enum rv_code rc;

	if (p->stopped)
		return RV_OK;
	/* the daemon ends a session's processes with the session */
	rc = daytona_session_delete(ds->client, ds->toolbox, p->sid, &call,
				    err);
	dt_follow_end(p, grace_ms < 300 ? grace_ms : 300);
	p->stopped = true;
	return rc;
}

static enum rv_code dt_preview(struct provider_sandbox *sb, int port,
			       struct provider_preview *pv, struct rv_err *err)
{
	struct daytona_sandbox *ds = dt_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg, DT_SHORT_DEADLINE_MS);
	char *url = NULL, *token = NULL;
	enum rv_code rc;

	rc = daytona_preview(ds->client, sb->id, port, &call, &url, &token,
			     err);
	if (rc != RV_OK)
		return rc;
	pv->url = url;
	pv->pool = daytona_client_pool(ds->client);
	pv->headers = rv_xcalloc(3, sizeof(char *));
	if (token && *token)
		pv->headers[0] = rv_xasprintf("X-Daytona-Preview-Token: %s",
					      token);
	pv->headers[token && *token ? 1 : 0] =
		rv_xstrdup("X-Daytona-Skip-Preview-Warning: true");
	free(token);
	return RV_OK;
}

static enum rv_code dt_destroy(struct provider_sandbox *sb,
			       struct rv_err *err)
{
	struct daytona_sandbox *ds = dt_downcast(sb);
	struct remote_call call = remote_call_firm(sb->cfg,
						DT_DESTROY_DEADLINE_MS);

	for (struct provider_proc *p = ds->procs; p; p = p->next) {
		dt_follow_end(p, 0);
		p->stopped = true;
	}
	return daytona_delete(ds->client, sb->id, &call, err);
}

static void dt_free(struct provider_sandbox *sb)
{
	struct daytona_sandbox *ds;
	struct provider_proc *next;

	if (!sb)
		return;
	ds = dt_downcast(sb);
	for (struct provider_proc *p = ds->procs; p; p = next) {
		next = p->next;
		dt_proc_free(p);
	}
	daytona_client_free(ds->client);
	free(ds->toolbox);
	provider_sandbox_release(sb);
	free(ds);
}

const struct provider_ops provider_daytona = {
	.name = "daytona",
	.alias = "daytona",
	.offline_server = "daytona-lite",
	.caps = PROVIDER_CAP_REMOTE | PROVIDER_CAP_UPLOAD | PROVIDER_CAP_EXEC |
		PROVIDER_CAP_PROCESS | PROVIDER_CAP_PREVIEW | PROVIDER_CAP_LIST |
		PROVIDER_CAP_NETWORK | PROVIDER_CAP_PRIVATE_ENV |
		PROVIDER_CAP_IMAGE | PROVIDER_CAP_TEMPLATE | PROVIDER_CAP_TARGET,
	.check = dt_check,
	.create = dt_create,
	.attach = dt_attach,
	.upload = dt_upload,
	.exec = dt_exec,
	.start_process = dt_start,
	.process_status = dt_status,
	.process_logs = dt_logs,
	.stop_process = dt_stop,
	.preview = dt_preview,
	.destroy = dt_destroy,
	.sandbox_free = dt_free,
	.list = dt_list,
};
