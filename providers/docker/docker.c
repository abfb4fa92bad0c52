/* The `docker` provider: sandboxes' lives and the ops table (docker.h). */
#include "docker.h"

#include "docker_attach.h"
#include "docker_sandbox.h"
#include "docker_tar.h"
#include "rv_alloc.h"
#include "rv_json.h"
#include "rv_random.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct docker_sandbox *dk_downcast(struct provider_sandbox *sb)
{
	if (sb->ops != &provider_docker)
		rv_bug("docker: foreign sandbox '%s'", sb->ops->name);
	return (struct docker_sandbox *)sb;
}

const char *dk_image(const struct provider_config *cfg)
{
	if (cfg && cfg->snapshot && *cfg->snapshot)
		return cfg->snapshot;
	if (cfg && cfg->image && *cfg->image)
		return cfg->image;
	return DOCKER_DEFAULT_IMAGE;
}

bool dk_image_name_ok(const char *name)
{
	if (!*name || strlen(name) > 255 || *name == '/' || *name == '.')
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-:/@", *p))
			return false;
	return !strstr(name, "..");
}

static enum rv_code dk_check_image(const char *image, struct rv_err *err)
{
	if (dk_image_name_ok(image))
		return RV_OK;
	return rv_errf(err, RV_ERR_USAGE, "invalid image name '%s'", image);
}

/* Engine reachable, API version agreed, image present (never pulled). */
static enum rv_code dk_check(const struct provider_config *cfg,
			     struct provider_endpoint *ep, struct rv_err *err)
{
	struct remote_call call = remote_call_for(cfg, DK_SHORT_MS);
	const char *image = dk_image(cfg);
	struct docker_client *c;
	enum rv_code rc;
	char *id = NULL;

	rc = dk_check_image(image, err);
	if (rc != RV_OK)
		return rc;
	c = docker_client_new(cfg ? cfg->api_url : NULL, &call, err);
	if (!c)
		return err ? err->code : RV_ERR_CONFIG;
	rc = docker_image_inspect(c, image, &call, &id, err);
	if (rc == RV_ERR_NOTFOUND)
		rc = docker_image_missing(c, image, err);
	else if (rc == RV_ERR_CONNECT)
		rc = RV_ERR_CONFIG;	/* it answered /version a moment ago */
	if (rc == RV_OK) {
		ep->api_url = rv_xstrdup(docker_client_host(c));
		ep->image = rv_xstrdup(image);
		ep->image_id = id;
		ep->image_present = 1;
		id = NULL;
	}
	free(id);
	docker_client_free(c);
	return rc;
}

/*
 * The container's PID 1: the boot script if it is there; else, when its
 * stdin is a pipe (an attach), the tar that comes on it unpacked at '/'
 * (which may bring the boot script), or, without a tar program, a line
 * that says so and a wait of up to 60 s for the boot script to be put
 * in; else it waits, and ends on TERM.
 */
#define DK_ENTRYPOINT \
	"B=" DK_BOOT_FILE "; if [ ! -f $B ] && [ -p /dev/stdin ]; then " \
	"if command -v tar >/dev/null 2>&1; then tar -x -f - -C / || " \
	"exit 1; else echo '" DK_NO_TAR_LINE "'; n=0; while [ ! -f $B ] " \
	"&& [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done; fi; fi; " \
	"[ -f $B ] && exec /bin/sh $B; " \
	"trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"
#define DK_STR(x) DK_STR_(x)
#define DK_STR_(x) #x

/* The body of POST /containers/create. */
static char *dk_create_body(const struct provider_config *cfg,
			    const char *image)
{
	const char *net = getenv("RUNEVAL_DOCKER_NETWORK");
	json_t *b = json_object(), *labels = json_object(), *env = json_array();
	json_t *host = json_object();
	char *s;

	json_object_set_new(labels, PROVIDER_LABEL_JOB,
			    json_string(cfg->job_id));
	for (size_t i = 0; i < cfg->n_labels; i++)
		if (cfg->labels[i].key && cfg->labels[i].value)
			json_object_set_new(labels, cfg->labels[i].key,
					    json_string(cfg->labels[i].value));
	for (const char *const *e = cfg->env; e && *e; e++)
		json_array_append_new(env, json_string(*e));
	json_object_set_new(b, "Image", json_string(image));
	/* PID 1 only waits, and the app is started with exec; unless the
	   boot script is there at the start (put in before it), or comes
	   in the tar on its stdin (cfg->defer_start: docker_attach.h) */
	json_object_set_new(b, "Entrypoint", json_pack("[s, s, s]", "/bin/sh",
		"-c", DK_ENTRYPOINT));
	if (cfg->defer_start) {
		json_object_set_new(b, "OpenStdin", json_true());
		json_object_set_new(b, "StdinOnce", json_true());
	}
	json_object_set_new(b, "Cmd", json_array());
	json_object_set_new(b, "Labels", labels);
	json_object_set_new(b, "Env", env);
	json_object_set_new(b, "Tty", json_false());
	if (net && *net)
		json_object_set_new(host, "NetworkMode", json_string(net));
	if (cfg->app_port > 0 && !(net && (!strcmp(net, "none") ||
					   !strcmp(net, "host")))) {
		char port[24];

		snprintf(port, sizeof(port), "%d/tcp", cfg->app_port);
		json_object_set_new(b, "ExposedPorts", json_pack("{s:{}}",
								 port));
		json_object_set_new(host, "PortBindings", json_pack(
			"{s:[{s:s, s:s}]}", port, "HostIp", "127.0.0.1",
			"HostPort", ""));
	}
	if (cfg->cpus > 0)
		json_object_set_new(host, "NanoCpus",
				    json_integer((json_int_t)(cfg->cpus * 1e9)));
	if (cfg->memory_bytes > 0) {
		json_object_set_new(host, "Memory",
				    json_integer(cfg->memory_bytes));
		json_object_set_new(host, "MemorySwap",
				    json_integer(cfg->memory_bytes));
	}
	json_object_set_new(host, "PidsLimit", json_integer(DOCKER_PIDS_LIMIT));
	json_object_set_new(host, "SecurityOpt",
			    json_pack("[s]", "no-new-privileges"));
	json_object_set_new(b, "HostConfig", host);
	s = rv_json_dumps(b);
	json_decref(b);
	return s;
}

/*
 * After an ambiguous failure or a 409: is there a container of ours by
 * that name?  Its id in *id, or RV_ERR_NOTFOUND.
 */
static enum rv_code dk_reconcile(struct docker_client *c,
				 const struct provider_config *cfg,
				 const char *name,
				 const struct remote_call *call, char **id,
				 struct rv_err *err)
{
	struct docker_container ct = { 0 };
	enum rv_code rc = docker_inspect(c, name, 0, call, &ct, err);

	if (rc == RV_OK && (!ct.job_label || strcmp(ct.job_label,
						     cfg->job_id)))
		rc = rv_errf(err, RV_ERR_CONFLICT, "cannot create container "
			     "'%s': the name is taken by another job's", name);
	if (rc == RV_OK)
		*id = rv_xstrdup(ct.id);
	docker_container_release(&ct);
	return rc;
}

/*
 * POST /containers/create, never blindly repeated, and never cut short
 * by a signal: an engine whose client went away may still make the
 * container, after anyone looked for it.  The caller sees the stop flag
 * next and removes what was made.
 */
static enum rv_code dk_post_create(struct docker_client *c,
				   const struct provider_config *cfg,
				   const char *image, const char *name,
				   const struct remote_call *stoppable,
				   char **id, struct rv_err *err)
{
	struct remote_call firm = *stoppable;
	const struct remote_call *call = &firm;
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct remote_req r = { .method = "POST",
				 .op = "POST /containers/create",
				 .idem = REMOTE_ONCE, .timeout_ms = 60000 };
	char *what = rv_xasprintf("cannot create container '%s'", name);
	char *path = remote_url("/containers/create?name=", name, NULL);
	json_t *j = NULL;
	enum rv_code rc;
	bool ambiguous;

	firm.stop = NULL;
	*id = NULL;
	if (remote_stopped(stoppable)) {
		free(what);
		free(path);
		return rv_errf(err, RV_ERR_INTR, "not creating container '%s': "
			       "interrupted", name);
	}
	r.json = dk_create_body(cfg, image);
	for (int round = 0;; round++) {
		rc = docker_request(c, path, &r, call, &resp, &ambiguous, err);
		if (rc == RV_OK && resp.status == 404 && resp.body.len &&
		    strstr(resp.body.data, "No such image")) {
			rc = docker_image_missing(c, image, err);
			break;
		}
		if (rc == RV_OK && resp.status != 409 && !ambiguous) {
			rc = remote_json_response(&resp, what, &j, err);
			if (rc == RV_OK && !rv_json_str(j, "Id"))
				rc = rv_errf(err, RV_ERR_PROTO, "%s: no 'Id'",
					     what);
			if (rc == RV_OK)
				*id = rv_xstrdup(rv_json_str(j, "Id"));
			break;
		}
		if (rc != RV_OK && !ambiguous) {
			rv_err_prefix(err, "%s", what);
			break;
		}
		/* maybe made: look for it by name before trying again */
		rc = dk_reconcile(c, cfg, name, call, id, err);
		if (rc != RV_ERR_NOTFOUND || round >= 3)
			break;
	}
	/* the engine's id names the sandbox's directory: checked as any
	   provider's (DOCKER_HOST may be another machine's) */
	if (rc == RV_OK && provider_check_id(*id, what, err) != RV_OK) {
		struct rv_err e = RV_ERR_INIT;

		/* it was made: removed by the name runeval gave it */
		if (docker_remove(c, name, call, &e) != RV_OK)
			provider_err_leftover(err, &e);
		free(*id);
		*id = NULL;
		rc = RV_ERR_PROTO;
	}
	json_decref(j);
	rv_http_response_release(&resp);
	free((char *)r.json);
	free(path);
	free(what);
	return rc;
}

/* POST /containers/{id}/start, then confirm it runs (boot: or ran);
   *host_port: where port was published (0: not). */
static enum rv_code dk_start_container(struct docker_client *c,
				       const char *id, const char *name,
				       int port, bool boot,
				       const struct remote_call *call,
				       int *host_port, struct rv_err *err)
{
	struct remote_req r = { .method = "POST",
				 .op = "POST /containers/{id}/start" };
	char *what = rv_xasprintf("cannot start container '%s'", name);
	char *path = remote_url("/containers/", id, "/start");
	struct docker_container ct = { 0 };
	json_t *j = NULL;
	enum rv_code rc;

	rc = docker_call_json(c, path, &r, call, what, &j, err);
	if (rc == RV_OK)
		rc = docker_inspect(c, id, port, call, &ct, err);
	*host_port = ct.host_port;
	if (rc == RV_OK && !ct.running && !(boot && ct.state &&
					    !strcmp(ct.state, "exited")))
		rc = rv_errf(err, RV_ERR_PROVIDER, "container '%s' is not "
			     "running after its start (state '%s', exit %d)%s%s",
			     name, ct.state ? ct.state : "?", ct.exit_code,
			     ct.error && *ct.error ? ": " : "",
			     ct.error ? ct.error : "");
	docker_container_release(&ct);
	json_decref(j);
	free(path);
	free(what);
	return rc;
}

/* Remove what a failed create made; the create's error stays in err. */
static void dk_cleanup_failed(struct docker_client *c,
			      const struct provider_config *cfg,
			      const char *id, struct rv_err *err)
{
	struct remote_call call = remote_call_firm(cfg, DK_REMOVE_MS);
	struct rv_err e = RV_ERR_INIT;

	if (docker_remove(c, id, &call, &e) != RV_OK)
		provider_err_leftover(err, &e);
}

static struct docker_sandbox *dk_sandbox_new(struct docker_client *c,
					     const struct provider_config *cfg,
					     const char *id, const char *name)
{
	struct docker_sandbox *ds = rv_xcalloc(1, sizeof(*ds));
	char short_id[DK_SHORT_ID + 1];

	/* the 12-digit prefix, as docker ps shows it: labels and dirs */
	snprintf(short_id, sizeof(short_id), "%s", id);
	provider_sandbox_init(&ds->base, &provider_docker, cfg,
			      strlen(id) == 64 ? short_id : id, name);
	ds->client = c;
	ds->started = true;
	rv_buf_init(&ds->pending);
	rv_buf_init(&ds->app_own);
	rv_buf_init(&ds->tar_end);
	rv_buf_init(&ds->lazy_bytes);
	return ds;
}

/* The stream's parts, the app prepared first (in its writer thread). */
static enum rv_code dk_stdin_parts(void *arg)
{
	struct docker_sandbox *ds = arg;
	enum rv_code rc;

	rv_err_clear(&ds->prep_err);
	rc = dk_prepare(ds, &ds->prep_err);
	ds->prep_err.code = rc;
	ds->stdin_parts[0] = ds->pending_app;
	ds->stdin_parts[1] = &ds->pending;
	ds->stdin_parts[2] = &ds->tar_end;
	return rc;
}

enum rv_code dk_started(struct docker_sandbox *ds, bool boot,
			const struct remote_call *call, struct rv_err *err)
{
	struct docker_stdin *in = NULL;
	enum rv_code rc = RV_OK, prc;

	if (ds->started)
		return RV_OK;
	ds->started = true;	/* once asked to start, never again */
	/* an exec comes next: the files must be in before it */
	if (!boot)
		rc = dk_flush(ds, false, call, err);
	/* the rest goes on its stdin as it starts, for its PID 1's tar;
	   without an attach, by PUT, and PID 1 finds the boot script */
	if (rc == RV_OK && ds->stdin_tar &&
	    docker_stdin_open(ds->client, ds->base.id, call, &in, NULL) !=
	    RV_OK && boot)
		rc = dk_flush(ds, true, call, err);
	/* the app unpacked and renamed while the engine starts it, by
	   the thread that then sends it */
	if (rc == RV_OK && in) {
		docker_tar_end(&ds->tar_end);
		docker_stdin_send(in, ds->stdin_parts, 3, dk_stdin_parts, ds);
	}
	if (rc == RV_OK)
		rc = dk_start_container(ds->client, ds->base.id,
					ds->base.name ? ds->base.name :
					ds->base.id, ds->app_port, boot, call,
					&ds->host_port, err);
	if (rc == RV_OK && in &&
	    (prc = docker_stdin_prepared(in, call)) != RV_OK) {
		rc = prc;
		if (err)
			*err = ds->prep_err;
	}
	/* the app waits for it, not this: see dk_stdin_done() */
	ds->stdin = in;
	if (rc != RV_OK || !boot)
		dk_stdin_done(ds, rc != RV_OK, call);
	ds->booted = boot && rc == RV_OK;
	return rc;
}

void dk_stdin_done(struct docker_sandbox *ds, bool now,
		   const struct remote_call *call)
{
	if (!ds->stdin || (!now && !docker_stdin_sent(ds->stdin)))
		return;
	docker_stdin_finish(ds->stdin, now, call, NULL);
	ds->stdin = NULL;
}

enum rv_code dk_boot_without_tar(struct docker_sandbox *ds,
				 const struct remote_call *call,
				 struct rv_err *err)
{
	ds->no_tar = true;
	dk_stdin_done(ds, true, call);
	return dk_flush(ds, true, call, err);
}

static enum rv_code dk_create(const struct provider_config *cfg,
			      struct provider_sandbox **out,
			      struct rv_err *err)
{
	long tmo = cfg->create_timeout_ms > 0 ? cfg->create_timeout_ms :
		DOCKER_CREATE_TIMEOUT_MS;
	struct remote_call call = remote_call_for(cfg, tmo);
	const char *image = dk_image(cfg);
	struct docker_client *c = NULL;
	char *name = NULL, *id = NULL;
	struct docker_sandbox *ds;
	int host_port = 0;
	enum rv_code rc;

	rc = dk_check_image(image, err);
	if (rc != RV_OK)
		return rc;
	c = docker_client_new(cfg->api_url, &call, err);
	if (!c)
		return err ? err->code : RV_ERR_CONFIG;
	if (cfg->name) {
		name = rv_xstrdup(cfg->name);
	} else {
		unsigned char r[4];
		char hex[9];

		rv_random(r, sizeof(r));
		name = rv_xasprintf("runeval-%s-%s", cfg->job_id,
				    rv_hex(r, sizeof(r), hex));
	}
	rc = dk_post_create(c, cfg, image, name, &call, &id, err);
	if (rc != RV_OK)
		goto out;
	if (cfg->defer_start) {
		/* started by the first operation that needs it running */
		ds = dk_sandbox_new(c, cfg, id, name);
		ds->app_port = cfg->app_port;
		ds->started = false;
		ds->stdin_tar = true;
		*out = &ds->base;
		c = NULL;
		goto out;
	}
	rc = dk_start_container(c, id, name, cfg->app_port, false, &call,
				&host_port, err);
	if (rc != RV_OK) {
		dk_cleanup_failed(c, cfg, id, err);
		goto out;
	}
	ds = dk_sandbox_new(c, cfg, id, name);
	ds->app_port = cfg->app_port;
	ds->host_port = host_port;
	*out = &ds->base;
	c = NULL;
out:
	docker_client_free(c);
	free(name);
	free(id);
	return rc;
}

/* A container by id or name, else a snapshot image (for reaping). */
static enum rv_code dk_attach(const struct provider_config *cfg,
			      const char *id, struct provider_sandbox **out,
			      struct rv_err *err)
{
	struct remote_call call = remote_call_firm(cfg, DK_SHORT_MS);
	struct docker_container ct = { 0 };
	struct docker_client *c = docker_client_new(cfg->api_url, &call, err);
	char *image_id = NULL;
	enum rv_code rc;

	if (!c)
		return err ? err->code : RV_ERR_CONFIG;
	rc = docker_inspect(c, id, 0, &call, &ct, err);
	if (rc == RV_OK)
		rc = provider_check_id(ct.id, "docker inspect", err);
	if (rc == RV_OK) {
		*out = &dk_sandbox_new(c, cfg, ct.id, ct.name)->base;
		c = NULL;
	} else if (rc == RV_ERR_NOTFOUND && dk_image_name_ok(id) &&
		   docker_image_inspect(c, id, &call, &image_id, NULL) ==
		   RV_OK) {
		struct docker_sandbox *ds = dk_sandbox_new(c, cfg, id, id);

		ds->is_image = true;
		*out = &ds->base;
		c = NULL;
		rv_err_clear(err);
		rc = RV_OK;
	}
	free(image_id);
	docker_container_release(&ct);
	docker_client_free(c);
	return rc;
}

static enum rv_code dk_list(const struct provider_config *cfg,
			    const char *key, const char *value,
			    struct provider_list *out, struct rv_err *err)
{
	struct remote_call call = remote_call_firm(cfg, 60000);
	struct docker_client *c = docker_client_new(cfg ? cfg->api_url : NULL,
						    &call, err);
	struct docker_container *v = NULL;
	enum rv_code rc;
	size_t n = 0;

	/* no engine here: nothing of ours to list (reap skips docker) */
	if (!c) {
		if (!err)
			return RV_ERR_CONFIG;
		if (err->code == RV_ERR_CONNECT)
			err->code = RV_ERR_CONFIG;
		return err->code;
	}
	key = key ? key : PROVIDER_LABEL_JOB;
	rc = docker_list(c, key, value, &call, &v, &n, err);
	if (rc == RV_OK) {
		for (size_t i = 0; i < n; i++) {
			/* the id runeval shows (see dk_sandbox_new) */
			if (strlen(v[i].id) == 64)
				v[i].id[DK_SHORT_ID] = '\0';
			provider_list_add(out, v[i].id, v[i].name, v[i].state,
					  v[i].job_label);
			memset(&v[i], 0, sizeof(v[i]));
		}
		rc = dk_list_images(c, key, value, &call, out, err);
	}
	docker_container_list_free(v, n);
	docker_client_free(c);
	return rc;
}

static enum rv_code dk_destroy(struct provider_sandbox *sb,
			       struct rv_err *err)
{
	struct docker_sandbox *ds = dk_downcast(sb);
	struct remote_call call = remote_call_firm(sb->cfg, DK_REMOVE_MS);
	enum rv_code rc;

	if (ds->is_image)
		return dk_image_remove(ds->client, sb->id, &call, err);
	dk_stdin_done(ds, true, &call);
	rc = docker_remove(ds->client, sb->id, &call, err);
	/* with the container gone, its commands' output ends */
	for (struct provider_proc *p = ds->procs; p; p = p->next)
		docker_spawn_gone(p->spawn);
	return rc;
}

static void dk_free(struct provider_sandbox *sb)
{
	struct docker_sandbox *ds;
	struct provider_proc *next;

	if (!sb)
		return;
	ds = dk_downcast(sb);
	for (struct provider_proc *p = ds->procs; p; p = next) {
		next = p->next;
		docker_spawn_free(p->spawn);
		free(p);
	}
	dk_stdin_done(ds, true, NULL);
	docker_client_free(ds->client);
	rv_buf_release(&ds->tar_end);
	explicit_bzero(ds->app_own.data, ds->app_own.len);
	rv_buf_release(&ds->app_own);
	free(ds->lazy_tarball);
	free(ds->lazy_sha);
	free(ds->lazy_dir);
	explicit_bzero(ds->lazy_bytes.data, ds->lazy_bytes.len);
	rv_buf_release(&ds->lazy_bytes);
	explicit_bzero(ds->pending.data, ds->pending.len);
	rv_buf_release(&ds->pending);
	provider_sandbox_release(sb);
	free(ds);
}

const struct provider_ops provider_docker = {
	.name = "docker",
	.alias = "docker",
	.caps = PROVIDER_CAP_REMOTE | PROVIDER_CAP_UPLOAD | PROVIDER_CAP_EXEC |
		PROVIDER_CAP_PROCESS | PROVIDER_CAP_PREVIEW | PROVIDER_CAP_LIST |
		PROVIDER_CAP_RESOURCES | PROVIDER_CAP_SNAPSHOT |
		PROVIDER_CAP_IMAGE | PROVIDER_CAP_TEMPLATE,
	.check = dk_check,
	.create = dk_create,
	.attach = dk_attach,
	.upload = dk_upload,
	.exec = dk_exec,
	.start_process = dk_start,
	.process_status = dk_status,
	.process_logs = dk_logs,
	.stop_process = dk_stop,
	.preview = dk_preview,
	.destroy = dk_destroy,
	.sandbox_free = dk_free,
	.snapshot = dk_snapshot,
	.snapshot_delete = dk_snapshot_delete,
	.list = dk_list,
};
