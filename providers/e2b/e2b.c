/* The `e2b` provider: provider_ops over the E2B client. */
#include "e2b.h"

#include "e2b_api.h"
#include "e2b_envd.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_log.h"
#include "rv_redact.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define E2B_KILL_DEADLINE_MS 120000
#define E2B_UPLOAD_DEADLINE_MS 600000
#define E2B_SHORT_DEADLINE_MS 30000
#define E2B_MAX_OUTPUT (1u << 20)	/* exec output kept */

struct provider_proc {
	struct remote_stream *stream;	/* NULL once stopped */
	struct e2b_follow f;		/* the stream thread's until then
					   (but f.ev.pid and f.ev.ended) */
	struct rv_redact_stream log;	/* to the log file (fd -1: none) */
	char *log_path;
	bool stopped;
	struct provider_proc *next;
};

/*
 * E2B ends a sandbox at its timeout, whatever it is doing.  While runeval
 * holds a sandbox it made, a thread of its own sets the timeout to the
 * whole lifetime again every third of it: a job runs as long as it needs,
 * and a sandbox runeval lost (kill -9) still ends within one lifetime.
 * The third is measured as the server counts (endAt - startedAt), so a
 * server whose time runs faster (e2b-lite's --interval-unit-ms) is kept
 * alive too.
 */
struct eb_keeper {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;			/* also the calls' stop flag */
	struct e2b_client *client;	/* the sandbox's (outlives this) */
	char *id;
	long lifetime_s;
};

struct e2b_sandbox {
	struct provider_sandbox base;	/* first */
	struct e2b_client *client;
	struct e2b_sandbox_info info;	/* tokens, domain */
	struct provider_proc *procs;
	struct eb_keeper *keeper;	/* NULL: not kept alive */
};

static struct e2b_sandbox *eb_downcast(struct provider_sandbox *sb)
{
	if (sb->ops != &provider_e2b)
		rv_bug("e2b: foreign sandbox '%s'", sb->ops->name);
	return (struct e2b_sandbox *)sb;
}

static struct e2b_client *eb_client(const struct provider_config *cfg,
				     struct rv_err *err)
{
	struct e2b_config ec = { 0 };

	if (cfg && cfg->image) {
		rv_errf(err, RV_ERR_USAGE, "e2b: '--image' is not supported: "
			"name a template with '--snapshot'");
		return NULL;
	}
	if (cfg && cfg->target) {
		rv_errf(err, RV_ERR_USAGE, "e2b: '--target' is not supported: "
			"E2B_API_URL and E2B_DOMAIN say where sandboxes are");
		return NULL;
	}
	ec.api_url = cfg ? cfg->api_url : NULL;
	ec.api_key = cfg ? cfg->api_key : NULL;
	/*
	 * A key in the config comes with the whole endpoint (runeval
	 * --lite's e2b-lite, started for the job): no E2B_* variable of the
	 * environment redirects it, and envd and ports are reached through
	 * the same URL by the E2b-Sandbox-Id/-Port headers.
	 */
	if (ec.api_key && ec.api_url) {
		ec.no_env = true;
		ec.sandbox_url = ec.api_url;
	}
	ec.pool = remote_pool(&provider_e2b);
	return e2b_client_new(&ec, err);
}

static enum rv_code eb_check(const struct provider_config *cfg,
			      struct provider_endpoint *ep, struct rv_err *err)
{
	struct e2b_client *c = eb_client(cfg, err);

	if (!c)
		return err ? err->code : RV_ERR_CONFIG;
	ep->api_url = rv_xstrdup(e2b_client_api_url(c));
	e2b_client_free(c);
	return RV_OK;
}

/* A call of the keeper's: 30 s at most, cut short by its stop. */
static struct remote_call eb_keeper_call(struct eb_keeper *k)
{
	struct remote_call call = { rv_now_ns() + 30 * RV_NS_PER_SEC,
				    &k->stop, NULL };

	return call;
}

static void *eb_keeper_main(void *arg)
{
	struct eb_keeper *k = arg;
	struct e2b_sandbox_info info = { 0 };
	struct remote_call call = eb_keeper_call(k);
	struct rv_err err = RV_ERR_INIT;
	uint64_t period_ns = (uint64_t)k->lifetime_s * RV_NS_PER_SEC / 3;
	bool failing = false;
	struct timespec at;

	if (e2b_get(k->client, k->id, &call, &info, NULL) == RV_OK &&
	    info.end_ms > info.started_ms)
		period_ns = (uint64_t)((info.end_ms - info.started_ms) / 3 *
				       (double)RV_NS_PER_MS);
	e2b_sandbox_info_release(&info);
	if (period_ns < 100 * RV_NS_PER_MS)
		period_ns = 100 * RV_NS_PER_MS;
	if (period_ns > 3600 * RV_NS_PER_SEC)
		period_ns = 3600 * RV_NS_PER_SEC;
	pthread_mutex_lock(&k->mu);
	while (!k->stop) {
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_sec += (time_t)(period_ns / RV_NS_PER_SEC);
		at.tv_nsec += (long)(period_ns % RV_NS_PER_SEC);
		if (at.tv_nsec >= (long)RV_NS_PER_SEC) {
			at.tv_sec++;
			at.tv_nsec -= (long)RV_NS_PER_SEC;
		}
		while (!k->stop &&
		       pthread_cond_timedwait(&k->cv, &k->mu, &at) != ETIMEDOUT)
			;
		if (k->stop)
			break;
		pthread_mutex_unlock(&k->mu);
		call = eb_keeper_call(k);
		rv_err_clear(&err);
		if (e2b_set_timeout(k->client, k->id, k->lifetime_s, &call,
				    &err) != RV_OK && !k->stop && !failing)
			rv_warn("%s; it ends by itself unless a later try "
				"works", err.msg);
		failing = err.code != RV_OK;
		pthread_mutex_lock(&k->mu);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

/* Keep sandbox id alive (lifetime_s at a time); NULL when it cannot. */
static struct eb_keeper *eb_keeper_start(struct e2b_client *c,
					 const char *id, long lifetime_s)
{
	struct eb_keeper *k = rv_xcalloc(1, sizeof(*k));
	pthread_condattr_t ca;

	k->client = c;
	k->id = rv_xstrdup(id);
	k->lifetime_s = lifetime_s;
	pthread_mutex_init(&k->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&k->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&k->thread, NULL, eb_keeper_main, k)) {
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
		free(k->id);
		free(k);
		return NULL;
	}
	return k;
}

static void eb_keeper_stop(struct eb_keeper *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&k->mu);
	k->stop = 1;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->thread, NULL);
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	free(k->id);
	free(k);
}

static struct e2b_sandbox *eb_sandbox_new(struct e2b_client *c,
					   const struct provider_config *cfg,
					   struct e2b_sandbox_info *info)
{
	struct e2b_sandbox *es = rv_xcalloc(1, sizeof(*es));

	provider_sandbox_init(&es->base, &provider_e2b, cfg, info->id,
			      info->name ? info->name : info->id);
	es->client = c;
	es->info = *info;
	memset(info, 0, sizeof(*info));
	return es;
}

/*
 * A create that may have made a sandbox failed: kill whatever bears its
 * name.  The create's error stays in err, with the kill's when that
 * fails too (the user has a sandbox to reap then).
 */
static void eb_cleanup_named(struct e2b_client *c,
			      const struct provider_config *cfg,
			      const char *name, struct rv_err *err)
{
	struct remote_call call = remote_call_firm(cfg, E2B_KILL_DEADLINE_MS);
	struct e2b_sandbox_info *v = NULL;
	struct rv_err e = RV_ERR_INIT;
	enum rv_code rc;
	size_t n = 0;

	rc = e2b_list(c, E2B_META_NAME, name, &call, &v, &n, &e);
	for (size_t i = 0; rc == RV_OK && i < n; i++)
		rc = e2b_kill(c, v[i].id, &call, &e);
	if (rc != RV_OK)
		provider_err_leftover(err, &e);
	e2b_sandbox_list_free(v, n);
}

/* The sandbox's lifetime: a bound on the job, within E2B's limit. */
static long eb_lifetime_s(const struct provider_config *cfg)
{
	long min = cfg->auto_stop_min > 0 ? cfg->auto_stop_min :
		E2B_LIFETIME_MIN;

	return (min > E2B_MAX_LIFETIME_MIN ? E2B_MAX_LIFETIME_MIN : min) * 60;
}

static enum rv_code eb_create(const struct provider_config *cfg,
			       struct provider_sandbox **out,
			       struct rv_err *err)
{
	struct e2b_client *c = eb_client(cfg, err);
	struct e2b_sandbox_info info = { 0 };
	struct e2b_create_opts o = { 0 };
	struct e2b_sandbox *es;
	long tmo = cfg->create_timeout_ms > 0 ? cfg->create_timeout_ms :
		E2B_CREATE_TIMEOUT_MS;
	struct remote_call call = remote_call_for(cfg, tmo);
	json_t *meta = json_object();
	char rnd[17], *name;
	enum rv_code rc;

	if (!c) {
		json_decref(meta);
		return err ? err->code : RV_ERR_CONFIG;
	}
	remote_rand_hex(rnd, 8);
	name = cfg->name ? rv_xstrdup(cfg->name) :
		rv_xasprintf("runeval-%s-%s", cfg->job_id, rnd);
	for (size_t i = 0; i < cfg->n_labels; i++)
		if (cfg->labels[i].key && cfg->labels[i].value)
			json_object_set_new(meta, cfg->labels[i].key,
					    json_string(cfg->labels[i].value));
	json_object_set_new(meta, PROVIDER_LABEL_JOB,
			    json_string(cfg->job_id));
	json_object_set_new(meta, E2B_META_NAME, json_string(name));
	o.template_id = cfg->snapshot;
	o.timeout_s = eb_lifetime_s(cfg);
	o.env = cfg->env;
	o.metadata = meta;
	o.private_traffic = true;
	rc = e2b_create(c, &o, &call, &info, NULL, err);
	if (rc != RV_OK) {
		/* refused or never sent: nothing was made (provider.h) */
		if (rc != RV_ERR_CONFIG && rc != RV_ERR_AUTH &&
		    rc != RV_ERR_USAGE && rc != RV_ERR_CONNECT)
			eb_cleanup_named(c, cfg, name, err);
		goto out;
	}
	if (!info.name)
		info.name = rv_xstrdup(name);
	es = eb_sandbox_new(c, cfg, &info);
	es->keeper = eb_keeper_start(c, es->base.id, o.timeout_s);
	*out = &es->base;
	c = NULL;
out:
	e2b_sandbox_info_release(&info);
	e2b_client_free(c);
	json_decref(meta);
	free(name);
	return rc;
}

/* The sandbox id_or_name names: by id, else by its runeval.name. */
static enum rv_code eb_find(struct e2b_client *c, const char *id_or_name,
			     const struct remote_call *call,
			     struct e2b_sandbox_info *out, struct rv_err *err)
{
	struct e2b_sandbox_info *v = NULL;
	enum rv_code rc = e2b_get(c, id_or_name, call, out, err);
	size_t n = 0;

	if (rc != RV_ERR_NOTFOUND)
		return rc;
	rc = e2b_list(c, E2B_META_NAME, id_or_name, call, &v, &n, NULL);
	if (rc == RV_OK && n > 0) {
		rv_err_clear(err);
		rc = e2b_get(c, v[0].id, call, out, err);
	} else {
		rc = RV_ERR_NOTFOUND;	/* err says so already */
	}
	e2b_sandbox_list_free(v, n);
	return rc;
}

static enum rv_code eb_attach(const struct provider_config *cfg,
			       const char *id, struct provider_sandbox **out,
			       struct rv_err *err)
{
	struct e2b_client *c = eb_client(cfg, err);
	struct e2b_sandbox_info info = { 0 };
	struct remote_call call = remote_call_firm(cfg, E2B_SHORT_DEADLINE_MS);
	enum rv_code rc;

	if (!c)
		return err ? err->code : RV_ERR_CONFIG;
	rc = eb_find(c, id, &call, &info, err);
	if (rc == RV_OK) {
		*out = &eb_sandbox_new(c, cfg, &info)->base;
		c = NULL;
	}
	e2b_sandbox_info_release(&info);
	e2b_client_free(c);
	return rc;
}

static enum rv_code eb_list(const struct provider_config *cfg,
				const char *key, const char *value,
				struct provider_list *out, struct rv_err *err)
{
	struct e2b_client *c = eb_client(cfg, err);
	struct remote_call call = remote_call_firm(cfg, 60000);
	struct e2b_sandbox_info *v = NULL;
	enum rv_code rc;
	size_t n = 0;

	if (!c)
		return err ? err->code : RV_ERR_CONFIG;
	rc = e2b_list(c, key ? key : PROVIDER_LABEL_JOB, key ? value : NULL,
		      &call, &v, &n, err);
	for (size_t i = 0; rc == RV_OK && i < n; i++) {
		provider_list_add(out, v[i].id, v[i].name, v[i].state,
				  v[i].job);
		v[i].id = v[i].name = v[i].state = v[i].job = NULL;
	}
	e2b_sandbox_list_free(v, n);
	e2b_client_free(c);
	return rc;
}

/* --- commands ----------------------------------------------------------- */

/*
 * The line that runs cmd under /bin/sh -c.  Its environment goes into a
 * file only the sandbox sees (no request envd echoes carries the
 * values), which the line sources and removes first.
 */
static enum rv_code eb_command_line(struct e2b_sandbox *es,
				     const struct provider_cmd *cmd,
				     const struct remote_call *call,
				     char **out, struct rv_err *err)
{
	struct rv_buf b = RV_BUF_INIT, vars = RV_BUF_INIT;
	enum rv_code rc = RV_OK;

	remote_add_exports(&vars, cmd->env, "\n");
	if (vars.len) {
		char *path = remote_add_env_source(&b);

		rc = e2b_envd_write(es->client, &es->info, path, NULL,
				    vars.data, vars.len, call, err);
		free(path);
		explicit_bzero(vars.data, vars.len);
	}
	rv_buf_adds(&b, "exec ");
	remote_add_command(&b, cmd);
	*out = rc == RV_OK ? rv_buf_detach(&b, NULL) : NULL;
	rv_buf_release(&b);
	rv_buf_release(&vars);
	return rc;
}

static void eb_exec_output(const char *data, size_t len, void *arg)
{
	struct rv_buf *out = arg;

	if (out->len < E2B_MAX_OUTPUT)
		rv_buf_add(out, data, len < E2B_MAX_OUTPUT - out->len ? len :
			   E2B_MAX_OUTPUT - out->len);
}

/* Run line to its end; a cut or timed out one is killed. */
static enum rv_code eb_run(struct e2b_sandbox *es, const char *line,
			    const char *cwd, long timeout_ms,
			    const struct remote_call *call,
			    struct provider_exec_result *res,
			    struct rv_err *err)
{
	struct e2b_proc_events ev = { 0 };
	enum rv_code rc;

	rv_buf_reset(&res->output);
	ev.output = eb_exec_output;
	ev.arg = &res->output;
	rc = e2b_envd_run(es->client, &es->info, line, cwd, timeout_ms, call,
			  &ev, err);
	if (rc == RV_OK) {
		res->exit_code = ev.exit_code;
	} else if (ev.pid > 0) {
		/* cut short or past its deadline: nothing of it lives on */
		struct remote_call firm = remote_call_firm(es->base.cfg,
							   E2B_SHORT_DEADLINE_MS);

		e2b_envd_signal(es->client, &es->info, ev.pid, SIGKILL, &firm,
				NULL);
	}
	return rc;
}

static enum rv_code eb_exec(struct provider_sandbox *sb,
			     const struct provider_cmd *cmd,
			     struct provider_exec_result *res,
			     struct rv_err *err)
{
	struct e2b_sandbox *es = eb_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg, cmd->timeout_ms > 0 ?
						  cmd->timeout_ms + 60000 :
						  24L * 3600000);
	char *line = NULL;
	enum rv_code rc;

	rc = eb_command_line(es, cmd, &call, &line, err);
	if (rc == RV_OK)
		rc = eb_run(es, line, cmd->cwd, cmd->timeout_ms, &call, res,
			     err);
	free(line);
	return rc;
}

static enum rv_code eb_upload(struct provider_sandbox *sb,
			       const char *tarball, const char *sha,
			       const char *dir, struct rv_err *err)
{
	struct e2b_sandbox *es = eb_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg,
						  E2B_UPLOAD_DEADLINE_MS);
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	char rnd[17], *remote, *cmd;
	enum rv_code rc;

	if (remote_upload_check(tarball, err))
		return RV_ERR_IO;
	remote_rand_hex(rnd, 8);
	remote = rv_xasprintf("/tmp/runeval-upload-%s.tar.gz", rnd);
	cmd = remote_unpack_command(sha, remote, dir);
	rc = e2b_envd_write(es->client, &es->info, remote, tarball, NULL, 0,
			    &call, err);
	if (rc == RV_OK)
		rc = eb_run(es, cmd, NULL, 300000, &call, &res, err);
	if (rc == RV_OK && res.exit_code != 0)
		rc = remote_unpack_error(sb->id, res.exit_code,
					 res.output.data, err);
	provider_exec_result_release(&res);
	free(cmd);
	free(remote);
	return rc;
}

/* --- background processes ------------------------------------------------ */

/* On the stream's thread: the output to the log. */
static void eb_proc_output(const char *data, size_t len, void *arg)
{
	struct provider_proc *p = arg;

	rv_redact_stream_write(&p->log, data, len);
}

static bool eb_proc_running(struct provider_proc *p)
{
	return p->stream && !remote_stream_ended(p->stream) &&
		!__atomic_load_n(&p->f.ev.ended, __ATOMIC_ACQUIRE);
}

/* Stop following (after wait_ms for it to end by itself); finish the log. */
static void eb_follow_end(struct e2b_sandbox *es, struct provider_proc *p,
			   long wait_ms)
{
	uint64_t end = rv_now_ns() + (uint64_t)wait_ms * RV_NS_PER_MS;
	struct remote_call call = remote_call_firm(es->base.cfg, 1000);

	while (p->stream && !remote_stream_ended(p->stream) &&
	       rv_now_ns() < end)
		rv_sleep_ns(2 * RV_NS_PER_MS, NULL);
	if (p->stream)
		remote_stream_stop(p->stream, &call, NULL);
	p->stream = NULL;
	rv_redact_stream_finish(&p->log);
}

static void eb_proc_free(struct e2b_sandbox *es, struct provider_proc *p)
{
	eb_follow_end(es, p, 0);
	if (p->log.fd >= 0)
		close(p->log.fd);
	rv_redact_stream_release(&p->log);
	e2b_frames_release(&p->f.frames);
	free(p->log_path);
	free(p);
}

/* Wait until the process said its pid; false when its stream ended. */
static bool eb_wait_pid(struct provider_proc *p, const volatile int *cancel,
			 long ms)
{
	uint64_t end = rv_now_ns() + (uint64_t)ms * RV_NS_PER_MS;

	while (!__atomic_load_n(&p->f.ev.pid, __ATOMIC_ACQUIRE)) {
		if (remote_stream_ended(p->stream) || rv_now_ns() >= end ||
		    (cancel && *cancel))
			return false;
		rv_sleep_ns(RV_NS_PER_MS, NULL);
	}
	return true;
}

static enum rv_code eb_start(struct provider_sandbox *sb,
			      const struct provider_cmd *cmd,
			      struct provider_proc **out, struct rv_err *err)
{
	struct e2b_sandbox *es = eb_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg, 60000);
	struct provider_proc *p = rv_xcalloc(1, sizeof(*p));
	char *line = NULL;
	enum rv_code rc;

	/* a log that cannot be written fails the start before it happens */
	rc = remote_log_open(&p->log, cmd->log_path, cmd->log_limit, err);
	if (rc != RV_OK)
		goto fail;
	p->log_path = cmd->log_path ? rv_xstrdup(cmd->log_path) : NULL;
	rc = eb_command_line(es, cmd, &call, &line, err);
	if (rc != RV_OK)
		goto fail;
	p->f.ev.output = eb_proc_output;
	p->f.ev.arg = p;
	p->stream = e2b_envd_follow(es->client, &es->info, line, cmd->cwd,
				    &p->f);
	if (!eb_wait_pid(p, sb->cfg ? sb->cfg->cancel : NULL, 60000)) {
		/* its stream ended first (an error, or it ran and ended at
		   once), or the wait was given up */
		rc = remote_stream_stop(p->stream, &call, err);
		p->stream = NULL;
		if (rc == RV_OK && !p->f.ev.ended)
			rc = e2b_proc_error(&p->f.ev, "start_process", err);
		if (rc != RV_OK)
			goto fail;
	}
	p->next = es->procs;
	es->procs = p;
	*out = p;
	free(line);
	return RV_OK;
fail:
	free(line);
	eb_proc_free(es, p);
	return rc;
}

static enum rv_code eb_status(struct provider_sandbox *sb,
			       struct provider_proc *p,
			       struct provider_proc_status *st,
			       struct rv_err *err)
{
	struct e2b_sandbox *es = eb_downcast(sb);

	(void)err;
	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	if (eb_proc_running(p)) {
		st->running = true;
		return RV_OK;
	}
	eb_follow_end(es, p, 200);	/* the stream's: ours now */
	if (p->f.ev.ended) {
		st->exit_code = p->f.ev.term_signal ? -1 : p->f.ev.exit_code;
		st->term_signal = p->f.ev.term_signal;
	}
	return RV_OK;
}

static enum rv_code eb_logs(struct provider_sandbox *sb,
			     struct provider_proc *p, size_t max_bytes,
			     struct rv_buf *out, struct rv_err *err)
{
	if (!p->log_path)
		return rv_errf(err, RV_ERR_NOTSUP, "process_logs: the process "
			       "has no log file");
	/* an ended one's last partial line is written out first */
	if (!eb_proc_running(p))
		eb_follow_end(eb_downcast(sb), p, 200);
	if (rv_redact_stream_read_tail(&p->log, p->log_path, max_bytes,
				       out) < 0)
		return rv_errf(err, RV_ERR_IO, "process_logs: cannot read "
			       "'%s': %s", p->log_path, strerror(errno));
	return RV_OK;
}

/* Wait up to ms for p to end. */
static void eb_wait_end(struct provider_proc *p, long ms)
{
	uint64_t end = rv_now_ns() + (uint64_t)ms * RV_NS_PER_MS;

	while (eb_proc_running(p) && rv_now_ns() < end)
		rv_sleep_ns(5 * RV_NS_PER_MS, NULL);
}

static enum rv_code eb_stop(struct provider_sandbox *sb,
			     struct provider_proc *p, long grace_ms,
			     struct rv_err *err)
{
	struct e2b_sandbox *es = eb_downcast(sb);
	struct remote_call call = remote_call_firm(sb->cfg,
						   E2B_SHORT_DEADLINE_MS);
	int pid = __atomic_load_n(&p->f.ev.pid, __ATOMIC_ACQUIRE);
	enum rv_code rc = RV_OK;

	if (p->stopped)
		return RV_OK;
	if (eb_proc_running(p) && pid > 0) {
		rc = e2b_envd_signal(es->client, &es->info, pid, SIGTERM,
				     &call, err);
		eb_wait_end(p, grace_ms);
		if (rc == RV_OK && eb_proc_running(p)) {
			rc = e2b_envd_signal(es->client, &es->info, pid,
					     SIGKILL, &call, err);
			eb_wait_end(p, 2000);
		}
		if (rc == RV_ERR_NOTFOUND) {	/* it ended meanwhile */
			rv_err_clear(err);
			rc = RV_OK;
		}
	}
	eb_follow_end(es, p, 300);
	p->stopped = rc == RV_OK;
	return rc;
}

static enum rv_code eb_preview(struct provider_sandbox *sb, int port,
				struct provider_preview *pv,
				struct rv_err *err)
{
	struct e2b_sandbox *es = eb_downcast(sb);

	(void)err;
	pv->url = e2b_port_url(es->client, &es->info, port);
	pv->headers = e2b_port_headers(es->client, &es->info, port);
	pv->pool = e2b_client_pool(es->client);
	return RV_OK;
}

static enum rv_code eb_destroy(struct provider_sandbox *sb,
				struct rv_err *err)
{
	struct e2b_sandbox *es = eb_downcast(sb);
	struct remote_call call = remote_call_firm(sb->cfg,
						   E2B_KILL_DEADLINE_MS);

	eb_keeper_stop(es->keeper);
	es->keeper = NULL;
	for (struct provider_proc *p = es->procs; p; p = p->next) {
		eb_follow_end(es, p, 0);
		p->stopped = true;
	}
	return e2b_kill(es->client, sb->id, &call, err);
}

static void eb_free(struct provider_sandbox *sb)
{
	struct e2b_sandbox *es;
	struct provider_proc *next;

	if (!sb)
		return;
	es = eb_downcast(sb);
	eb_keeper_stop(es->keeper);	/* kept: it ends at its timeout */
	for (struct provider_proc *p = es->procs; p; p = next) {
		next = p->next;
		eb_proc_free(es, p);
	}
	e2b_client_free(es->client);
	e2b_sandbox_info_release(&es->info);
	provider_sandbox_release(sb);
	free(es);
}

const struct provider_ops provider_e2b = {
	.name = "e2b",
	.alias = "e2b",
	.offline_server = "e2b-lite",
	.caps = PROVIDER_CAP_REMOTE | PROVIDER_CAP_UPLOAD | PROVIDER_CAP_EXEC |
		PROVIDER_CAP_PROCESS | PROVIDER_CAP_PREVIEW | PROVIDER_CAP_LIST |
		PROVIDER_CAP_PRIVATE_ENV | PROVIDER_CAP_TEMPLATE,
	.check = eb_check,
	.create = eb_create,
	.attach = eb_attach,
	.upload = eb_upload,
	.exec = eb_exec,
	.start_process = eb_start,
	.process_status = eb_status,
	.process_logs = eb_logs,
	.stop_process = eb_stop,
	.preview = eb_preview,
	.destroy = eb_destroy,
	.sandbox_free = eb_free,
	.list = eb_list,
};
