/* The `docker` provider: what runs inside a container (docker_sandbox.h). */
#include "docker_sandbox.h"

#include "docker_tar.h"

#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_json.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define DK_UPLOAD_MS 600000L
#define DK_UPLOAD_MAX (2ull << 30)

/* The whole file at path into b. */
static enum rv_code dk_read_file(const char *path, struct rv_buf *b,
				 struct rv_err *err)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (!f)
		return rv_errf(err, RV_ERR_IO, "cannot open '%s': %s", path,
			       strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > DK_UPLOAD_MAX) {
			fclose(f);
			return rv_errf(err, RV_ERR_LIMIT, "'%s' is larger "
				       "than 2 GiB", path);
		}
		rv_buf_add(b, chunk, n);
	}
	n = ferror(f);
	fclose(f);
	if (n)
		return rv_errf(err, RV_ERR_IO, "cannot read '%s'", path);
	return RV_OK;
}

/* Are these the bytes whose SHA-256 (lowercase hex) is want? */
static enum rv_code dk_check_sha256(const struct rv_buf *b, const char *want,
				    const char *path, struct rv_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (!want || !*want)
		return RV_OK;
	EVP_Digest(b->data, b->len, md, &n, EVP_sha256(), NULL);
	rv_hex(md, n, hex);
	if (!strcmp(hex, want))
		return RV_OK;
	return rv_errf(err, RV_ERR_PROVIDER, "'%s' is not what was packed: "
		       "its SHA-256 is %.12s..., expected %.12s...", path, hex,
		       want);
}

/* gz (a gzip stream) inflated into out. */
static enum rv_code dk_gunzip(const struct rv_buf *gz, struct rv_buf *out,
			      const char *path, struct rv_err *err)
{
	z_stream zs = { 0 };
	int zrc = Z_OK;

	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return rv_errf(err, RV_ERR_INTERNAL, "cannot start zlib");
	zs.next_in = (Bytef *)gz->data;
	zs.avail_in = (uInt)gz->len;
	while (zrc == Z_OK) {
		rv_buf_grow(out, 1 << 20);
		zs.next_out = (Bytef *)out->data + out->len;
		zs.avail_out = (uInt)(out->cap - out->len - 1);
		zrc = inflate(&zs, Z_NO_FLUSH);
		/* what inflate wrote is now the buffer's (still NUL-ended) */
		out->len = (size_t)((char *)zs.next_out - out->data);
		out->data[out->len] = '\0';
		if (out->len > DK_UPLOAD_MAX)
			zrc = Z_MEM_ERROR;
	}
	inflateEnd(&zs);
	if (zrc != Z_STREAM_END)
		return rv_errf(err, RV_ERR_IO, "cannot unpack '%s': %s", path,
			       zrc == Z_MEM_ERROR ? "larger than 2 GiB" :
			       "not a valid gzip stream");
	return RV_OK;
}

/*
 * The archive as members renamed below dir, ready to send (docker_tar.h):
 * the engine's own gunzip is several times slower than zlib, and every
 * sandbox of a job uploads the same bundle, so the first one's is kept
 * (by its path, SHA-256 and dir) for the others; a memfd (the app's env
 * file: secrets) is never kept.  *tar points into the cache (never freed
 * or changed once set) or into own.
 */
static pthread_mutex_t dk_tar_lock = PTHREAD_MUTEX_INITIALIZER;
static char dk_tar_sha[65];
static char dk_tar_path[256];
static char dk_tar_dir[100];
static struct rv_buf dk_tar_cache;

/*
 * tarball (.tar.gz or .tar), checked, unpacked and renamed into out;
 * bytes: its content, read and checked already (else NULL: read here).
 */
static enum rv_code dk_members(const char *tarball, const char *sha256,
			       const char *dir, const struct rv_buf *bytes,
			       struct rv_buf *out, struct rv_err *err)
{
	struct rv_buf gz = RV_BUF_INIT, plain = RV_BUF_INIT;
	const struct rv_buf *in = bytes ? bytes : &gz, *tar = in;
	enum rv_code rc = RV_OK;

	if (!bytes) {
		rc = dk_read_file(tarball, &gz, err);
		if (rc == RV_OK)
			rc = dk_check_sha256(&gz, sha256, tarball, err);
	}
	if (rc == RV_OK && in->len >= 2 && (unsigned char)in->data[0] == 0x1f &&
	    (unsigned char)in->data[1] == 0x8b) {
		rc = dk_gunzip(in, &plain, tarball, err);
		tar = &plain;
	}
	if (rc == RV_OK)
		rc = docker_tar_prefix(tar->data, tar->len, dir, out, err);
	if (rc != RV_OK)
		rv_buf_reset(out);
	explicit_bzero(gz.data, gz.len);
	explicit_bzero(plain.data, plain.len);
	rv_buf_release(&gz);
	rv_buf_release(&plain);
	return rc;
}

static enum rv_code dk_app_tar(const char *tarball, const char *sha256,
			       const char *dir, const struct rv_buf *bytes,
			       struct rv_buf *own, const struct rv_buf **tar,
			       struct rv_err *err)
{
	enum rv_code rc;
	bool cache;

	pthread_mutex_lock(&dk_tar_lock);
	cache = sha256 && *sha256 && strlen(tarball) < sizeof(dk_tar_path) &&
		strncmp(tarball, "/proc/", 6) && strlen(dir) <
		sizeof(dk_tar_dir) &&
		(!*dk_tar_sha || (!strcmp(dk_tar_sha, sha256) &&
				  !strcmp(dk_tar_path, tarball) &&
				  !strcmp(dk_tar_dir, dir)));
	if (cache && *dk_tar_sha) {
		pthread_mutex_unlock(&dk_tar_lock);
		*tar = &dk_tar_cache;
		return RV_OK;
	}
	if (!cache)
		pthread_mutex_unlock(&dk_tar_lock);
	rc = dk_members(tarball, sha256, dir, bytes, cache ? &dk_tar_cache :
			own, err);
	if (cache) {
		if (rc == RV_OK) {
			snprintf(dk_tar_sha, sizeof(dk_tar_sha), "%s", sha256);
			snprintf(dk_tar_path, sizeof(dk_tar_path), "%s",
				 tarball);
			snprintf(dk_tar_dir, sizeof(dk_tar_dir), "%s", dir);
		}
		pthread_mutex_unlock(&dk_tar_lock);
	}
	*tar = cache ? &dk_tar_cache : own;
	return rc;
}

/*
 * PUT /containers/{id}/archive?path=/ of the members in parts and the
 * archive's end: the engine unpacks them, making their directories.
 */
static enum rv_code dk_put_archive(struct docker_sandbox *ds,
				   const struct rv_buf *const *parts, size_t n,
				   const struct remote_call *call,
				   struct rv_err *err)
{
	struct remote_req r = { .method = "PUT",
				 .op = "PUT /containers/{id}/archive",
				 .content_type = "application/x-tar",
				 .timeout_ms = DK_UPLOAD_MS,
				 /* it writes files: a 500 is not retried */
				 .idem = REMOTE_ONCE };
	struct rv_buf body = RV_BUF_INIT;
	char *what = rv_xasprintf("cannot upload to container '%s'",
				  ds->base.id);
	char *path = remote_url("/containers/", ds->base.id,
				"/archive?path=%2F");
	size_t len = 1024;
	enum rv_code rc;

	for (size_t i = 0; i < n; i++)
		len += parts[i] ? parts[i]->len : 0;
	rv_buf_grow(&body, len);
	for (size_t i = 0; i < n; i++)
		if (parts[i] && parts[i]->len)
			rv_buf_add(&body, parts[i]->data, parts[i]->len);
	docker_tar_end(&body);
	r.body = body.data;
	r.body_len = body.len;
	rc = docker_call_json(ds->client, path, &r, call, what, NULL, err);
	explicit_bzero(body.data, body.len);
	rv_buf_release(&body);
	free(path);
	free(what);
	return rc;
}

enum rv_code dk_flush(struct docker_sandbox *ds, bool keep,
		      const struct remote_call *call, struct rv_err *err)
{
	const struct rv_buf *parts[] = { NULL, &ds->pending };
	enum rv_code rc = dk_prepare(ds, err);

	if (rc != RV_OK)
		return rc;
	parts[0] = ds->pending_app;
	if (!ds->pending.len && !ds->pending_app)
		return RV_OK;
	rc = dk_put_archive(ds, parts, 2, call, err);
	if (!keep) {
		ds->pending_app = NULL;
		explicit_bzero(ds->pending.data, ds->pending.len);
		rv_buf_release(&ds->pending);
	}
	return rc;
}

/* The job's cache, when it holds tarball's members for dir; else NULL. */
static const struct rv_buf *dk_cached(const char *tarball, const char *sha256,
				      const char *dir)
{
	bool hit;

	pthread_mutex_lock(&dk_tar_lock);
	hit = *dk_tar_sha && sha256 && !strcmp(dk_tar_sha, sha256) &&
		!strcmp(dk_tar_path, tarball) && !strcmp(dk_tar_dir, dir);
	pthread_mutex_unlock(&dk_tar_lock);
	return hit ? &dk_tar_cache : NULL;
}

/* Wipe and free b. */
static void dk_wipe(struct rv_buf *b)
{
	explicit_bzero(b->data, b->len);
	rv_buf_release(b);
}

enum rv_code dk_prepare(struct docker_sandbox *ds, struct rv_err *err)
{
	const struct rv_buf *members = NULL;
	enum rv_code rc;

	if (!ds->lazy_tarball)
		return RV_OK;
	rc = dk_app_tar(ds->lazy_tarball, ds->lazy_sha, ds->lazy_dir,
			&ds->lazy_bytes, &ds->app_own, &members, err);
	dk_wipe(&ds->lazy_bytes);
	if (rc == RV_OK)
		ds->pending_app = members;
	else
		rv_err_prefix(err, "cannot upload the app");
	free(ds->lazy_tarball);
	free(ds->lazy_sha);
	free(ds->lazy_dir);
	ds->lazy_tarball = ds->lazy_sha = ds->lazy_dir = NULL;
	return rc;
}

enum rv_code dk_upload(struct provider_sandbox *sb, const char *tarball,
		       const char *sha256, const char *dir,
		       struct rv_err *err)
{
	struct docker_sandbox *ds = dk_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg, DK_UPLOAD_MS);
	struct rv_buf own = RV_BUF_INIT;
	const struct rv_buf *members = NULL;
	enum rv_code rc;

	if (dir[0] != '/' || strlen(dir) > 98 || strstr(dir, "..") ||
	    !strcmp(dir, "/"))
		return rv_errf(err, RV_ERR_USAGE, "invalid directory '%s' for "
			       "the app: expected an absolute path below '/' "
			       "of at most 98 characters", dir);
	/*
	 * A container not started yet gets it with its start, with
	 * whatever else goes in (the env file, the boot script).  The
	 * first archive is only read and checked now (the file may be gone
	 * by then): it is unpacked and renamed while the engine starts the
	 * container (dk_started).
	 */
	if (!ds->started && !ds->pending_app && !ds->lazy_tarball) {
		ds->pending_app = dk_cached(tarball, sha256, dir);
		if (ds->pending_app)
			return RV_OK;
		rc = dk_read_file(tarball, &ds->lazy_bytes, err);
		if (rc == RV_OK)
			rc = dk_check_sha256(&ds->lazy_bytes, sha256, tarball,
					     err);
		if (rc != RV_OK) {
			dk_wipe(&ds->lazy_bytes);
			rv_err_prefix(err, "cannot upload the app");
			return rc;
		}
		ds->lazy_tarball = rv_xstrdup(tarball);
		ds->lazy_sha = sha256 ? rv_xstrdup(sha256) : NULL;
		ds->lazy_dir = rv_xstrdup(dir);
		return RV_OK;
	}
	/* what was packed, checked here (the engine unpacks what it gets) */
	rc = dk_app_tar(tarball, sha256, dir, NULL, &own, &members, err);
	if (rc != RV_OK) {
		rv_err_prefix(err, "cannot upload the app");
		goto out;
	}
	if (ds->started)
		rc = dk_put_archive(ds, &members, 1, &call, err);
	else
		rv_buf_add(&ds->pending, members->data, members->len);
out:
	explicit_bzero(own.data, own.len);
	rv_buf_release(&own);
	return rc;
}

enum rv_code dk_exec(struct provider_sandbox *sb,
		     const struct provider_cmd *cmd,
		     struct provider_exec_result *res, struct rv_err *err)
{
	struct docker_sandbox *ds = dk_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg, cmd->timeout_ms > 0 ?
		cmd->timeout_ms + 60000 : 24L * 3600 * 1000);
	enum rv_code rc = dk_started(ds, false, &call, err);

	rv_buf_reset(&res->output);
	if (rc != RV_OK)
		return rc;
	return docker_exec_run(ds->client, sb->id, cmd, &call, &res->exit_code,
			       &res->output, err);
}

enum rv_code dk_start(struct provider_sandbox *sb,
		      const struct provider_cmd *cmd,
		      struct provider_proc **out, struct rv_err *err)
{
	struct docker_sandbox *ds = dk_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg, 60000);
	struct docker_spawn *s = NULL;
	struct provider_proc *p;
	enum rv_code rc;
	char *boot;
	size_t len;

	if (ds->started) {
		rc = docker_exec_spawn(ds->client, sb->id, cmd, &call, &s,
				       err);
	} else {
		/* the container's main process: its start starts it, with
		   no exec (docker_exec.h) */
		boot = docker_boot_script(cmd, DK_BOOT_FILE, &len);
		docker_tar_file(&ds->pending, DK_BOOT_FILE, boot, len, 0700);
		explicit_bzero(boot, len);
		free(boot);
		rc = docker_boot_spawn(ds->client, sb->id, cmd, &s, err);
		if (rc == RV_OK)
			rc = dk_started(ds, true, &call, err);
		if (rc == RV_OK)
			docker_boot_follow(s);
		else if (s) {
			docker_spawn_free(s);
			s = NULL;
		}
	}
	if (rc != RV_OK)
		return rc;
	p = rv_xcalloc(1, sizeof(*p));
	p->spawn = s;
	p->next = ds->procs;
	ds->procs = p;
	*out = p;
	return RV_OK;
}

enum rv_code dk_status(struct provider_sandbox *sb, struct provider_proc *p,
		       struct provider_proc_status *st, struct rv_err *err)
{
	struct docker_sandbox *ds = dk_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg, DK_SHORT_MS);
	enum rv_code rc;

	memset(st, 0, sizeof(*st));
	rc = docker_exec_status(ds->client, p->spawn, &call, &st->running,
				&st->exit_code, err);
	if (rc == RV_OK && ds->booted && !ds->no_tar && st->running &&
	    docker_spawn_no_tar(p->spawn))
		/* PID 1 cannot unpack what comes on its stdin */
		rc = dk_boot_without_tar(ds, &call, err);
	dk_stdin_done(ds, rc != RV_OK || !st->running, &call);
	if (rc == RV_ERR_NOTFOUND) {
		rv_err_clear(err);	/* container gone: not running */
		rc = RV_OK;
	}
	return rc;
}

enum rv_code dk_logs(struct provider_sandbox *sb, struct provider_proc *p,
		     size_t max_bytes, struct rv_buf *out,
		     struct rv_err *err)
{
	const char *path = docker_spawn_log_path(p->spawn);

	(void)sb;
	if (docker_spawn_log_tail(p->spawn, max_bytes, out) < 0)
		return rv_errf(err, RV_ERR_IO, "cannot read '%s': %s", path,
			       strerror(errno));
	return RV_OK;
}

enum rv_code dk_stop(struct provider_sandbox *sb, struct provider_proc *p,
		     long grace_ms, struct rv_err *err)
{
	struct docker_sandbox *ds = dk_downcast(sb);
	struct remote_call call = remote_call_firm(sb->cfg, DK_SHORT_MS);

	return docker_exec_kill(ds->client, sb->id, p->spawn, grace_ms, &call,
				err);
}

enum rv_code dk_preview(struct provider_sandbox *sb, int port,
			struct provider_preview *pv, struct rv_err *err)
{
	struct docker_sandbox *ds = dk_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg, DK_SHORT_MS);
	struct docker_container ct = { 0 };
	enum rv_code rc;

	if (port <= 0 || port > 65535)
		return rv_errf(err, RV_ERR_USAGE, "invalid port %d", port);
	rc = dk_started(ds, false, &call, err);
	if (rc != RV_OK)
		return rc;
	/* published at the start: known since, no call (it would wait for
	   the container's lock while the app's exec settles) */
	if (port == ds->app_port && ds->host_port > 0) {
		pv->url = rv_xasprintf("http://127.0.0.1:%d", ds->host_port);
		return RV_OK;
	}
	rc = docker_inspect(ds->client, sb->id, port, &call, &ct, err);
	if (rc != RV_OK)
		goto out;
	if (ds->booted && !ct.running)
		/* its app has ended, and with it the container and its
		   ports: the health wait says so */
		pv->url = rv_xasprintf("http://127.0.0.1:%d", port);
	else if (ct.host_network)
		pv->url = rv_xasprintf("http://127.0.0.1:%d", port);
	else if (ct.host_port > 0)
		pv->url = rv_xasprintf("http://127.0.0.1:%d", ct.host_port);
	else if (ct.address)
		pv->url = rv_xasprintf(strchr(ct.address, ':') ?
				       "http://[%s]:%d" : "http://%s:%d",
				       ct.address, port);
	else
		rc = rv_errf(err, RV_ERR_PROVIDER, "container '%s' has neither "
			     "a published port %d nor an address: run it on a "
			     "bridge network (RUNEVAL_DOCKER_NETWORK)", sb->id,
			     port);
out:
	docker_container_release(&ct);
	return rc;
}

enum rv_code dk_snapshot(struct provider_sandbox *sb, const char *name,
			 char **out, struct rv_err *err)
{
	struct docker_sandbox *ds = dk_downcast(sb);
	struct remote_call call = remote_call_for(sb->cfg, 600000);
	struct remote_req r = { .method = "POST", .op = "POST /commit",
				 .idem = REMOTE_ONCE, .timeout_ms = 600000 };
	char *what = rv_xasprintf("cannot snapshot container '%s'", sb->id);
	struct rv_buf path = RV_BUF_INIT;
	json_t *body, *j = NULL;
	enum rv_code rc;

	*out = NULL;
	if (!dk_image_name_ok(name) || strchr(name, ':') || strchr(name, '@')) {
		free(what);
		return rv_errf(err, RV_ERR_USAGE, "invalid snapshot name '%s'",
			       name);
	}
	/* a container not started yet: what was uploaded goes in first */
	rc = dk_flush(ds, false, &call, err);
	if (rc != RV_OK) {
		free(what);
		return rc;
	}
	body = json_pack("{s:{s:s, s:s}}", "Labels", PROVIDER_LABEL_JOB,
			 sb->cfg->job_id, "runeval.snapshot", name);
	r.json = rv_json_dumps(body);
	rv_buf_adds(&path, "/commit?pause=false&tag=latest&container=");
	rv_http_urlencode(&path, sb->id);
	rv_buf_adds(&path, "&repo=");
	rv_http_urlencode(&path, name);
	rc = docker_call_json(ds->client, path.data, &r, &call, what, &j, err);
	if (rc == RV_OK && !rv_json_str(j, "Id"))
		rc = rv_errf(err, RV_ERR_PROTO, "%s: no image 'Id'", what);
	if (rc == RV_OK)
		*out = rv_xstrdup(rv_json_str(j, "Id"));
	json_decref(j);
	json_decref(body);
	free((char *)r.json);
	rv_buf_release(&path);
	free(what);
	return rc;
}

enum rv_code dk_image_remove(struct docker_client *c, const char *ref,
			     const struct remote_call *call,
			     struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct remote_req r = { .method = "DELETE",
				 .op = "DELETE /images/{name}" };
	char *what = rv_xasprintf("cannot remove image '%s'", ref);
	char *path;
	enum rv_code rc;

	if (!dk_image_name_ok(ref)) {
		free(what);
		return rv_errf(err, RV_ERR_USAGE, "invalid image name '%s'",
			       ref);
	}
	path = rv_xasprintf("/images/%s?force=1", ref);
	rc = docker_request(c, path, &r, call, &resp, NULL, err);
	if (rc != RV_OK)
		rv_err_prefix(err, "%s", what);
	else if (resp.status != 404 && (resp.status < 200 ||
					 resp.status > 299))
		rc = remote_status_error(&resp, what, err);
	rv_http_response_release(&resp);
	free(path);
	free(what);
	return rc;
}

enum rv_code dk_snapshot_delete(const struct provider_config *cfg,
				const char *snap, struct rv_err *err)
{
	struct remote_call call = remote_call_firm(cfg, DK_REMOVE_MS);
	struct docker_client *c = docker_client_new(cfg ? cfg->api_url : NULL,
						    &call, err);
	enum rv_code rc;

	if (!c)
		return err ? err->code : RV_ERR_CONFIG;
	rc = dk_image_remove(c, snap, &call, err);
	docker_client_free(c);
	return rc;
}

enum rv_code dk_list_images(struct docker_client *c, const char *key,
			    const char *value, const struct remote_call *call,
			    struct provider_list *out, struct rv_err *err)
{
	struct remote_req r = { .method = "GET", .op = "GET /images/json" };
	struct rv_buf path = RV_BUF_INIT;
	json_t *j = NULL, *it;
	enum rv_code rc;
	size_t i;

	rv_buf_adds(&path, "/images/json?");
	docker_label_filter(&path, key, value);
	rc = docker_call_json(c, path.data, &r, call, "cannot list images", &j,
			      err);
	json_array_foreach(rc == RV_OK ? j : NULL, i, it) {
		const char *id = rv_json_str(it, "Id");
		const char *lv = json_string_value(json_object_get(
			json_object_get(it, "Labels"), key));
		const char *tag = json_string_value(json_array_get(
			json_object_get(it, "RepoTags"), 0));

		if (!id || !lv || (value && strcmp(lv, value)))
			continue;
		provider_list_add(out, rv_xstrdup(id), tag ? rv_xstrdup(tag) :
				  NULL, rv_xstrdup("snapshot"), rv_xstrdup(lv));
	}
	json_decref(j);
	rv_buf_release(&path);
	return rc;
}
