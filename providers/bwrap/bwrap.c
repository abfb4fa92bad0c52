/* The `bwrap` provider: the sandbox engine on this host, no server. */
#include "bwrap.h"
#include "bwrap_int.h"
#include "bwrap_relay.h"

#include "process_run.h"
#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_random.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BWRAP_MAX_RELAYS 16

struct bwrap_sandbox {
	struct provider_sandbox base;	/* first */
	struct lite_box_host *h;	/* a reference (bwrap_host_put) */
	struct lite_box_proc proc;
	struct lite_box_entry entry;
	int lock_fd;			/* its ids, as root */
	bool own_child;			/* bwrap is our child (not attached) */
	bool destroyed;
	char **env;			/* the commands' base environment */
	struct process_set procs;
	struct bwrap_relay *relays[BWRAP_MAX_RELAYS];
	size_t n_relays;
};

static struct bwrap_sandbox *bwrap_downcast(struct provider_sandbox *sb)
{
	if (sb->ops != &provider_bwrap)
		rv_bug("bwrap: foreign sandbox '%s'", sb->ops->name);
	return (struct bwrap_sandbox *)sb;
}

/*
 * A handle on a sandbox; takes the host reference and the lock.  The
 * entry is opened when it runs (a sandbox that is gone can still be
 * destroyed: its files).
 */
static struct bwrap_sandbox *bwrap_handle(const struct provider_config *cfg,
					  struct lite_box_host *h,
					  const struct bwrap_record *r,
					  int lock_fd, bool own_child,
					  struct rv_err *err)
{
	struct bwrap_sandbox *bs = rv_xcalloc(1, sizeof(*bs));

	provider_sandbox_init(&bs->base, &provider_bwrap, cfg, r->id,
			      r->name);
	bs->h = h;
	bs->proc = r->proc;
	bs->lock_fd = lock_fd;
	bs->own_child = own_child;
	/* what every command starts from: the toolbox's environment */
	bs->env = lite_box_base_env(h->daemon, r->id);
	if (lite_box_entry_open(h, r->id, &r->proc, &bs->entry, err) != RV_OK)
		lite_box_entry_close(&bs->entry);
	return bs;
}

static enum rv_code bwrap_destroy(struct provider_sandbox *sb,
				  struct rv_err *err);

static enum rv_code bwrap_create(const struct provider_config *cfg,
				 struct provider_sandbox **out,
				 struct rv_err *err)
{
	struct lite_box_host *h = bwrap_host_get(err);
	struct lite_box_limits lim = { -1, -1, 1, 1 };
	struct bwrap_record r = { 0 };
	struct bwrap_sandbox *bs;
	unsigned char rnd[6];
	char id[32], *dir;
	json_t *applied = NULL;
	enum rv_code rc;
	int lock_fd = -1;

	if (!h)
		return err ? err->code : RV_ERR_CONFIG;
	if (!bwrap_ids_pick(h, &lim, &lock_fd)) {
		bwrap_host_put();
		return rv_errf(err, RV_ERR_PROVIDER, "create: every bwrap "
			       "sandbox id is taken");
	}
	rv_random(rnd, sizeof(rnd));
	snprintf(id, sizeof(id), "bw-%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
		 rnd[2], rnd[3], rnd[4], rnd[5]);
	r.id = id;
	r.name = (char *)(cfg->name ? cfg->name : id);
	r.job = (char *)cfg->job_id;
	r.uid = lim.uid;
	r.gid = lim.gid;
	/* on disk before it exists: a killed run's sandbox is found */
	dir = lite_box_path(h, id, NULL);
	if (mkdir(dir, 0700) < 0)
		rc = rv_errf(err, RV_ERR_IO, "create: cannot make '%s': %s", dir,
			     strerror(errno));
	else
		rc = bwrap_record_write(h, &r, err);
	free(dir);
	if (rc == RV_OK)
		rc = lite_box_start(h, id, NULL, &lim, NULL, &r.proc,
				    &applied, cfg->cancel, err);
	json_decref(applied);
	if (rc == RV_OK)
		rc = bwrap_record_write(h, &r, err);
	if (rc != RV_OK) {
		if (r.proc.init_pid)
			lite_box_kill(h, id, &r.proc, true);
		lite_box_remove(h, id, NULL);
		bwrap_ids_release(lock_fd);
		bwrap_host_put();
		return rc;
	}
	bs = bwrap_handle(cfg, h, &r, lock_fd, true, err);
	if (bs->entry.root_fd < 0) {
		rc = err ? err->code : RV_ERR_CHILD;
		bwrap_destroy(&bs->base, NULL);
		provider_sandbox_free(&bs->base);
		return rc;
	}
	*out = &bs->base;
	return RV_OK;
}

static enum rv_code bwrap_attach(const struct provider_config *cfg,
				 const char *id, struct provider_sandbox **out,
				 struct rv_err *err)
{
	struct lite_box_host *h = bwrap_host_get(err);
	struct bwrap_record r;
	struct bwrap_sandbox *bs;
	struct rv_err ignored = RV_ERR_INIT;

	if (!h)
		return err ? err->code : RV_ERR_CONFIG;
	if (bwrap_record_read(h, id, &r, err) != RV_OK) {
		bwrap_host_put();
		return err ? err->code : RV_ERR_NOTFOUND;
	}
	bs = bwrap_handle(cfg, h, &r, -1, false, &ignored);
	bwrap_record_release(&r);
	*out = &bs->base;
	return RV_OK;
}

static int bwrap_enter(void *arg)
{
	return lite_box_enter(arg);
}

/* How sb's commands run: entered into it, from its base environment. */
static void bwrap_spec(struct bwrap_sandbox *bs, struct process_spec *spec,
		       const struct provider_cmd *cmd, struct provider_cmd *c)
{
	*spec = (struct process_spec)PROCESS_SPEC_INIT;
	spec->base_env = (const char *const *)bs->env;
	spec->enter = bwrap_enter;
	spec->enter_arg = &bs->entry;
	*c = *cmd;
	if (!c->cwd)
		c->cwd = bs->h->daemon->home;
}

static enum rv_code bwrap_gone(struct bwrap_sandbox *bs, const char *op,
			       struct rv_err *err)
{
	return rv_errf(err, RV_ERR_NOTFOUND, "%s: sandbox '%s' is not "
		       "running", op, bs->base.id);
}

static enum rv_code bwrap_exec(struct provider_sandbox *sb,
			       const struct provider_cmd *cmd,
			       struct provider_exec_result *res,
			       struct rv_err *err)
{
	struct bwrap_sandbox *bs = bwrap_downcast(sb);
	struct process_spec spec;
	struct provider_cmd c;

	if (bs->destroyed || !lite_box_alive(&bs->proc))
		return bwrap_gone(bs, "exec", err);
	bwrap_spec(bs, &spec, cmd, &c);
	return process_run_exec(sb->cfg, &spec, &c, res, err);
}

static enum rv_code bwrap_start(struct provider_sandbox *sb,
				const struct provider_cmd *cmd,
				struct provider_proc **out,
				struct rv_err *err)
{
	struct bwrap_sandbox *bs = bwrap_downcast(sb);
	struct process_spec spec;
	struct provider_cmd c;

	if (bs->destroyed || !lite_box_alive(&bs->proc))
		return bwrap_gone(bs, "start_process", err);
	bwrap_spec(bs, &spec, cmd, &c);
	return process_run_start(&bs->procs, sb->cfg, &spec, &c, out, err);
}

/*
 * The tarball goes in on stdin; inside, it is kept in /tmp, checked
 * against its SHA-256 and unpacked (provider_unpack_script).
 */
static enum rv_code bwrap_upload(struct provider_sandbox *sb,
				 const char *tarball, const char *sha256,
				 const char *dir, struct rv_err *err)
{
	struct bwrap_sandbox *bs = bwrap_downcast(sb);
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	char *env[3] = { rv_xasprintf("RV_SHA256=%s", sha256),
			 rv_xasprintf("RV_DIR=%s", dir), NULL };
	char *script = rv_xasprintf("RV_TAR=$(mktemp /tmp/.runeval-upload."
				    "XXXXXX) || exit 1; cat > \"$RV_TAR\" || "
				    "{ rm -f \"$RV_TAR\"; exit 1; }; %s",
				    provider_unpack_script);
	struct provider_cmd c = { .shell = script, .env = (const char *const *)
				  env, .timeout_ms = 600000 };
	struct process_spec spec;
	struct provider_cmd cc;
	enum rv_code rc;
	int fd = open(tarball, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		rc = rv_errf(err, RV_ERR_IO, "upload: cannot open '%s': %s",
			     tarball, strerror(errno));
		goto out;
	}
	if (bs->destroyed || !lite_box_alive(&bs->proc)) {
		rc = bwrap_gone(bs, "upload", err);
		goto out;
	}
	bwrap_spec(bs, &spec, &c, &cc);
	spec.in_fd = fd;
	rc = process_run_exec(sb->cfg, &spec, &cc, &res, err);
	if (rc == RV_OK && res.exit_code != 0) {
		size_t n = res.output.len;

		while (n && (res.output.data[n - 1] == '\n'))
			n--;
		rc = rv_errf(err, RV_ERR_PROVIDER, "upload to '%s' failed "
			     "(exit %d): %.*s", dir, res.exit_code, (int)n,
			     res.output.data ? res.output.data : "");
	}
out:
	if (fd >= 0)
		close(fd);
	provider_exec_result_release(&res);
	free(env[0]);
	free(env[1]);
	free(script);
	return rc;
}

static enum rv_code bwrap_status(struct provider_sandbox *sb,
				 struct provider_proc *p,
				 struct provider_proc_status *st,
				 struct rv_err *err)
{
	(void)bwrap_downcast(sb);
	process_proc_status(p, st);
	st->pid = 0;	/* not a pid this host's tools should touch */
	return RV_OK;
}

static enum rv_code bwrap_logs(struct provider_sandbox *sb,
			       struct provider_proc *p, size_t max_bytes,
			       struct rv_buf *out, struct rv_err *err)
{
	(void)bwrap_downcast(sb);
	return process_proc_logs(p, max_bytes, out, err);
}

static enum rv_code bwrap_stop(struct provider_sandbox *sb,
			       struct provider_proc *p, long grace_ms,
			       struct rv_err *err)
{
	(void)bwrap_downcast(sb);
	return process_proc_stop(p, grace_ms, err);
}

static enum rv_code bwrap_preview(struct provider_sandbox *sb, int port,
				  struct provider_preview *pv,
				  struct rv_err *err)
{
	struct bwrap_sandbox *bs = bwrap_downcast(sb);
	struct bwrap_relay *r = NULL;
	char *sock;
	enum rv_code rc;
	int local = 0;

	if (bs->destroyed)
		return bwrap_gone(bs, "preview", err);
	if (bs->n_relays == BWRAP_MAX_RELAYS)
		return rv_errf(err, RV_ERR_USAGE, "preview: at most %d ports "
			       "of one sandbox", BWRAP_MAX_RELAYS);
	sock = lite_box_socket(bs->h, sb->id, true);
	rc = bwrap_relay_start(sock, port, &r, &local, err);
	free(sock);
	if (rc != RV_OK)
		return rc;
	bs->relays[bs->n_relays++] = r;
	pv->url = rv_xasprintf("http://127.0.0.1:%d", local);
	pv->headers = NULL;
	return RV_OK;
}

static void bwrap_relays_stop(struct bwrap_sandbox *bs)
{
	for (size_t i = 0; i < bs->n_relays; i++)
		bwrap_relay_stop(bs->relays[i]);
	bs->n_relays = 0;
}

static enum rv_code bwrap_destroy(struct provider_sandbox *sb,
				  struct rv_err *err)
{
	struct bwrap_sandbox *bs = bwrap_downcast(sb);

	if (bs->destroyed)
		return RV_OK;
	bwrap_relays_stop(bs);
	/* pid 1 takes every process of the sandbox along */
	lite_box_kill(bs->h, sb->id, &bs->proc, bs->own_child);
	process_set_stop(&bs->procs, 0, NULL);
	lite_box_entry_close(&bs->entry);
	if (lite_box_remove(bs->h, sb->id, err) != RV_OK)
		return err ? err->code : RV_ERR_IO;
	bwrap_ids_release(bs->lock_fd);
	bs->lock_fd = -1;
	bs->destroyed = true;
	return RV_OK;
}

static void bwrap_free(struct provider_sandbox *sb)
{
	struct bwrap_sandbox *bs;

	if (!sb)
		return;
	bs = bwrap_downcast(sb);
	bwrap_relays_stop(bs);
	process_set_free(&bs->procs);
	lite_box_entry_close(&bs->entry);
	bwrap_ids_release(bs->lock_fd);
	lite_box_env_free(bs->env);
	if (bs->h)
		bwrap_host_put();
	provider_sandbox_release(sb);
	free(bs);
}

static enum rv_code bwrap_list(const struct provider_config *cfg,
			       const char *label_key, const char *label_value,
			       struct provider_list *out, struct rv_err *err)
{
	struct lite_box_host *h = bwrap_host_get(err);
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	(void)cfg;
	out->items = NULL;
	out->n = 0;
	if (!h)
		return err ? err->code : RV_ERR_CONFIG;
	d = opendir(h->dir);
	while (d && (de = readdir(d))) {
		struct bwrap_record r;
		struct provider_listed *it;

		if (de->d_name[0] == '.' ||
		    bwrap_record_read(h, de->d_name, &r, NULL) != RV_OK)
			continue;
		if (label_key && (strcmp(label_key, PROVIDER_LABEL_JOB) ||
				  (label_value && strcmp(label_value, r.job)))) {
			bwrap_record_release(&r);
			continue;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			out->items = rv_xreallocarray(out->items, cap,
						      sizeof(*out->items));
		}
		it = &out->items[out->n++];
		it->id = r.id;
		it->name = r.name;
		it->job_id = r.job;
		it->state = rv_xstrdup(lite_box_alive(&r.proc) ? "started" :
				       "stopped");
	}
	if (d)
		closedir(d);
	bwrap_host_put();
	return RV_OK;
}

const struct provider_ops provider_bwrap = {
	.name = "bwrap",
	.alias = "bwrap",
	.caps = PROVIDER_CAP_REMOTE | PROVIDER_CAP_UPLOAD | PROVIDER_CAP_EXEC |
		PROVIDER_CAP_PROCESS | PROVIDER_CAP_PREVIEW | PROVIDER_CAP_LIST,
	.create = bwrap_create,
	.attach = bwrap_attach,
	.upload = bwrap_upload,
	.exec = bwrap_exec,
	.start_process = bwrap_start,
	.process_status = bwrap_status,
	.process_logs = bwrap_logs,
	.stop_process = bwrap_stop,
	.preview = bwrap_preview,
	.destroy = bwrap_destroy,
	.sandbox_free = bwrap_free,
	.list = bwrap_list,
};
