/* provider: the table of back-ends and the helpers every one shares. */
#include "provider.h"

#include "bwrap.h"
#include "daytona.h"
#include "docker.h"
#include "e2b.h"
#include "process.h"
#include "rv_alloc.h"
#include "rv_term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct provider_ops *const provider_table[] = {
	&provider_process,
	&provider_daytona,
	&provider_bwrap,
	&provider_docker,
	&provider_e2b,
	NULL,
};

const struct provider_ops *provider_find(const char *name)
{
	for (size_t i = 0; name && provider_table[i]; i++)
		if (!strcmp(provider_table[i]->name, name) ||
		    (provider_table[i]->alias &&
		     !strcmp(provider_table[i]->alias, name)))
			return provider_table[i];
	return NULL;
}

const struct provider_ops *const *provider_all(void)
{
	return provider_table;
}

enum rv_code provider_notsup_(const struct provider_ops *ops,
			      const char *op, struct rv_err *err)
{
	return rv_errf(err, RV_ERR_NOTSUP, "provider '%s' cannot %s",
		       ops ? ops->name : "?", op);
}

/*
 * sha256sum and gunzip are the two costs of unpacking a bundle (4 MB
 * here: 15 and 60 ms): into a new directory they run side by side, the
 * unpack into a staging directory ($$: one per shell) that `mv -T`
 * renames into place when both succeeded (the checksum's verdict printed
 * first, tar's errors only when it matched).  Into a directory that is
 * there (the env file beside the app) the check comes first and the
 * unpack after, in place.  No `sha256sum -c --status`: busybox's has no
 * --status.  No `tar -p`: as root tar keeps the modes anyway, as another
 * user the umask applies.  Every process counts (a millisecond each in a
 * sandbox): the digest is read with `read`, cut with ${g%% *}, and the
 * happy path runs mkdir, sha256sum, tar, mv and one rm.
 */
const char provider_unpack_script[] =
	"rv_check() { [ \"$1\" = \"$RV_SHA256\" ] && return 0; "
	"echo \"checksum mismatch: got ${1:-nothing}\"; return 3; }; "
	"d=${RV_DIR%/}; s=; "
	"if [ -z \"$d\" ]; then echo 'no directory to unpack into'; x=1; "
	"elif [ -e \"$d\" ]; then "
	"g=$(sha256sum < \"$RV_TAR\"); "
	"rv_check \"${g%% *}\" && tar -xzf \"$RV_TAR\" -C \"$d\"; x=$?; "
	"else "
	"s=$d.unpack-$$; "
	"if [ -e \"$s\" ]; then rm -rf \"$s\"; fi; "
	"if mkdir -p \"$s\"; then "
	"sha256sum < \"$RV_TAR\" > \"$s.sum\" & p=$!; "
	"tar -xzf \"$RV_TAR\" -C \"$s\" 2> \"$s.err\"; x=$?; "
	"wait $p; g=; read -r g _ < \"$s.sum\"; "
	"if ! rv_check \"$g\"; then x=3; rm -rf \"$s\"; "
	"elif [ $x -ne 0 ]; then cat \"$s.err\"; rm -rf \"$s\"; "
	"elif ! mv -T \"$s\" \"$d\"; then x=1; rm -rf \"$s\"; fi; "
	"else x=1; fi; "
	"fi; "
	"rm -f \"$RV_TAR\" ${s:+\"$s.sum\"} ${s:+\"$s.err\"}; exit $x";

void provider_err_leftover(struct rv_err *err, const struct rv_err *cleanup)
{
	char first[RV_ERR_MSG_MAX];

	snprintf(first, sizeof(first), "%s", err ? err->msg : "");
	rv_errf(err, RV_ERR_PROVIDER, "%s; and %s (run 'runeval reap')", first,
		cleanup->msg);
}

enum rv_code provider_usage_config_(const struct provider_config *cfg,
				    struct rv_err *err)
{
	if (!cfg || !cfg->job_id || !*cfg->job_id)
		return rv_errf(err, RV_ERR_USAGE, "create: no job id");
	return RV_OK;
}

enum rv_code provider_usage_cmd_(const struct provider_cmd *cmd,
				 const char *op, struct rv_err *err)
{
	if (cmd->argv ? !cmd->argv[0] || !*cmd->argv[0] : !cmd->shell)
		return rv_errf(err, RV_ERR_USAGE, "%s: no command", op);
	return RV_OK;
}

enum rv_code provider_usage_port_(int port, struct rv_err *err)
{
	if (port <= 0 || port > 65535)
		return rv_errf(err, RV_ERR_USAGE, "preview: invalid port %d",
			       port);
	return RV_OK;
}

bool provider_uses_start(const struct provider_ops *ops, const char *option)
{
	unsigned cap = !strcmp(option, "--image") ? PROVIDER_CAP_IMAGE :
		!strcmp(option, "--snapshot") ? PROVIDER_CAP_TEMPLATE :
		!strcmp(option, "--target") ? PROVIDER_CAP_TARGET : 0;

	return ops && (ops->caps & cap);
}

bool provider_any_uses_start(const char *const *names, size_t n,
			     const char *option)
{
	for (size_t i = 0; i < n; i++)
		if (provider_uses_start(provider_find(names[i]), option))
			return true;
	return false;
}

const char *provider_unsupported_hint(const struct provider_ops *ops,
				      const char *option)
{
	if (!strcmp(option, "--image") && (ops->caps & PROVIDER_CAP_TEMPLATE))
		return " (start from a template or snapshot: '--snapshot "
			"NAME')";
	if (!strcmp(option, "--target") && !strcmp(ops->name, "e2b"))
		return " (E2B_API_URL and E2B_DOMAIN say where sandboxes are)";
	if (ops->caps & PROVIDER_CAP_REMOTE && !(ops->caps &
	    (PROVIDER_CAP_IMAGE | PROVIDER_CAP_TEMPLATE)))
		return " (its sandboxes run this host's userland)";
	return "";
}

/* s escaped and cut for an error message (malloc'ed). */
static char *provider_quote(const char *s)
{
	char *safe = rv_term_safe(s ? s : ""), *cut;

	if (strlen(safe) <= 80)
		return safe;
	cut = rv_xasprintf("%.80s...", safe);
	free(safe);
	return cut;
}

enum rv_code provider_check_id(const char *id, const char *what,
			       struct rv_err *err)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	size_t n = id ? strlen(id) : 0;
	char *q;

	if (n && n <= PROVIDER_ID_MAX && id[0] != '.' && strspn(id, ok) == n)
		return RV_OK;
	q = provider_quote(id);
	rv_errf(err, RV_ERR_PROTO, "%s: the answer names the sandbox '%s', "
		"which is no id (1 to %d letters, digits, '.', '_' or '-', "
		"not starting with '.'): refused", what, q, PROVIDER_ID_MAX);
	free(q);
	return RV_ERR_PROTO;
}

enum rv_code provider_adopt_(const struct provider_ops *ops,
			     const struct provider_config *cfg,
			     enum rv_code rc, struct provider_sandbox **out,
			     struct rv_err *err)
{
	struct rv_err e = RV_ERR_INIT;

	if (rc != RV_OK || !*out ||
	    provider_check_id((*out)->id, ops->name, &e) == RV_OK)
		return rc;
	if (ops->sandbox_free)
		ops->sandbox_free(*out);
	*out = NULL;
	return rv_errf(err, RV_ERR_PROTO, "%s; the sandbox may be left "
		       "running ('runeval reap --job %s' deletes what the "
		       "job left)", e.msg, cfg->job_id);
}

enum rv_code provider_check_header_value(const char *v, const char *name,
					 const char *what, struct rv_err *err)
{
	char *q;

	for (const unsigned char *p = (const unsigned char *)v; p && *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			goto bad;
	return RV_OK;
bad:
	q = provider_quote(v);
	rv_errf(err, RV_ERR_PROTO, "%s: the answer's %s '%s' holds a control "
		"character: refused", what, name, q);
	free(q);
	return RV_ERR_PROTO;
}

void provider_sandbox_init(struct provider_sandbox *sb,
			   const struct provider_ops *ops,
			   const struct provider_config *cfg,
			   const char *id, const char *name)
{
	sb->ops = ops;
	sb->cfg = cfg;
	sb->id = rv_xstrdup(id);
	sb->name = rv_xstrdup(name);
}

void provider_sandbox_release(struct provider_sandbox *sb)
{
	if (!sb)
		return;
	free(sb->id);
	free(sb->name);
	sb->id = sb->name = NULL;
}

void provider_preview_release(struct provider_preview *pv)
{
	if (!pv)
		return;
	for (char **h = pv->headers; h && *h; h++)
		free(*h);
	free(pv->headers);
	free(pv->url);
	pv->url = NULL;
	pv->headers = NULL;
	pv->pool = NULL;
}

void provider_exec_result_release(struct provider_exec_result *res)
{
	if (!res)
		return;
	rv_buf_release(&res->output);
	res->exit_code = -1;
}

void provider_endpoint_release(struct provider_endpoint *ep)
{
	if (!ep)
		return;
	free(ep->api_url);
	free(ep->target);
	free(ep->image);
	free(ep->image_id);
	ep->api_url = ep->target = ep->image = ep->image_id = NULL;
}

void provider_list_add(struct provider_list *l, char *id, char *name,
		       char *state, char *job_id)
{
	struct provider_listed *it;

	l->items = rv_xreallocarray(l->items, l->n + 1, sizeof(*l->items));
	it = &l->items[l->n++];
	it->id = id;
	it->name = name ? name : rv_xstrdup(id);
	it->state = state;
	it->job_id = job_id;
}

void provider_list_release(struct provider_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].id);
		free(l->items[i].name);
		free(l->items[i].state);
		free(l->items[i].job_id);
	}
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

struct provider_attempt *provider_attempts_add(struct provider_attempts *a)
{
	if (!a)
		return NULL;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->v = rv_xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	memset(&a->v[a->n], 0, sizeof(a->v[0]));
	return &a->v[a->n++];
}

void provider_attempts_release(struct provider_attempts *a)
{
	if (!a)
		return;
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}
