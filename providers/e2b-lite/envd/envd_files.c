/*
 * envd: /health, /envs and /files.
 *
 * POST /files takes multipart/form-data (one part named "file" per file;
 * its filename is the destination when the query has no path) or, as
 * envd >= 0.5.7 does, an application/octet-stream body that becomes the
 * file the query's path names.  Both are streamed to disk as they come;
 * parent directories are made.  The answer is the list of files written
 * as EntryInfo {name, type, path}.
 */
#include "envd.h"

#include "rv_alloc.h"
#include "rv_fs.h"
#include "toolbox_http.h"
#include "toolbox_multipart.h"
#include "toolbox_path.h"
#include "toolbox_srv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

char *envd_path(struct tb_server *s, const char *p, char *why, size_t size)
{
	if (!p || !*p) {
		snprintf(why, size, "path is required");
		return NULL;
	}
	return tb_path_normalize(s->home, p);
}

/* "Basic base64(user:)" names the user; NULL when there is none. */
static char *envd_basic_user(const char *auth)
{
	struct rv_buf b = RV_BUF_INIT;
	char *colon;

	if (!auth || strncasecmp(auth, "basic ", 6))
		return NULL;
	if (!rv_buf_add_unbase64(&b, auth + 6, strlen(auth + 6))) {
		rv_buf_release(&b);
		return rv_xstrdup("");
	}
	colon = strchr(b.data, ':');
	if (colon)
		*colon = '\0';
	return rv_buf_detach(&b, NULL);
}

bool envd_user_ok(struct tb_req *r, bool rpc)
{
	char *basic = envd_basic_user(tb_req_header(r, "authorization"));
	const char *user = basic ? basic : tb_req_query(r, "username");
	bool ok = !user || !*user || !strcmp(user, "user") ||
		!strcmp(user, "root");

	if (!ok && rpc)
		envd_rpc_error(r, strstr(tb_req_path(r), "/Start") ||
			       strstr(tb_req_path(r), "/Connect"),
			       ENVD_PERMISSION_DENIED, "invalid user '%s'",
			       user);
	else if (!ok)
		tb_reply_error(r, 401, NULL, "invalid user '%s': this sandbox "
			       "has 'user' (and 'root' is served as 'user')",
			       user);
	free(basic);
	return ok;
}

void envd_health(struct tb_req *r)
{
	tb_reply_empty(r, 204);
}

void envd_envs(struct tb_req *r)
{
	json_t *o = json_object();

	for (char **e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		char *k;

		if (!eq)
			continue;
		k = rv_xstrndup(*e, (size_t)(eq - *e));
		json_object_set_new(o, k, json_string(eq + 1));
		free(k);
	}
	tb_reply_json(r, 200, o);
}

/* The path of a /files request; NULL after answering 400. */
static char *envd_files_path(struct tb_req *r, const char *p)
{
	char why[200], *path = envd_path(tb_req_server(r), p, why,
					 sizeof(why));

	if (!path)
		tb_reply_error(r, 400, NULL, "invalid path: %s", why);
	return path;
}

void envd_files_get(struct tb_req *r)
{
	char *path;
	struct stat st;
	int fd;

	if (!envd_user_ok(r, false) ||
	    !(path = envd_files_path(r, tb_req_query(r, "path"))))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		tb_reply_error(r, errno == ENOENT || errno == ENOTDIR ? 404 :
			       errno == EACCES ? 401 : 400, NULL,
			       "cannot open '%s': %s", path, strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		tb_reply_error(r, 400, NULL, "path '%s' is a directory", path);
	} else {
		tb_reply_fd(r, 200, "application/octet-stream", NULL, fd,
			    (uint64_t)st.st_size);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	free(path);
}

/* --- uploads ----------------------------------------------------------- */

struct envd_upload {
	struct tb_server *srv;
	char *dest;		/* the query's path, or NULL */
	struct tb_mp *mp;	/* multipart, else octet-stream */
	bool broken;
	char why[300];		/* the first failure */
	int status;		/* its HTTP status */
	int fd;
	char *path;		/* of the file being written */
	json_t *files;		/* EntryInfo of each file done */
};

static void envd_upload_fail(struct envd_upload *u, int status,
			     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void envd_upload_fail(struct envd_upload *u, int status,
			     const char *fmt, ...)
{
	va_list ap;

	if (u->status)
		return;
	va_start(ap, fmt);
	vsnprintf(u->why, sizeof(u->why), fmt, ap);
	va_end(ap);
	u->status = status;
}

static void envd_upload_free(void *arg)
{
	struct envd_upload *u = arg;

	if (u->fd >= 0)
		close(u->fd);
	tb_mp_free(u->mp);
	json_decref(u->files);
	free(u->dest);
	free(u->path);
	free(u);
}

/* Open the next file (dest: the query's path or the part's filename). */
static void envd_upload_open(struct envd_upload *u, const char *dest)
{
	char why[200], *slash;
	struct rv_err err = RV_ERR_INIT;

	free(u->path);
	u->path = envd_path(u->srv, dest, why, sizeof(why));
	if (!u->path) {
		envd_upload_fail(u, 400, "invalid path: %s", why);
		return;
	}
	slash = strrchr(u->path, '/');
	if (slash && slash != u->path) {
		*slash = '\0';
		if (tb_mkdir_p(u->path, 0755, &err))
			envd_upload_fail(u, 400, "%s", err.msg);
		*slash = '/';
	}
	if (u->status)
		return;
	u->fd = open(u->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (u->fd < 0)
		envd_upload_fail(u, errno == ENOSPC ? 507 : 400, "cannot "
				 "write '%s': %s", u->path, strerror(errno));
}

static void envd_upload_write(struct envd_upload *u, const char *p,
			      size_t n)
{
	if (u->fd < 0)
		return;
	if (rv_write_all(u->fd, p, n) < 0) {
		envd_upload_fail(u, errno == ENOSPC ? 507 : 500, "cannot "
				 "write '%s': %s", u->path, strerror(errno));
		close(u->fd);
		u->fd = -1;
	}
}

/* The file is complete: note it. */
static void envd_upload_done(struct envd_upload *u)
{
	const char *slash;

	if (u->fd < 0)
		return;
	if (close(u->fd) < 0)
		envd_upload_fail(u, 500, "cannot write '%s': %s", u->path,
				 strerror(errno));
	u->fd = -1;
	slash = strrchr(u->path, '/');
	json_array_append_new(u->files, json_pack("{s:s,s:s,s:s}", "name",
			      slash ? slash + 1 : u->path, "type", "file",
			      "path", u->path));
}

static int envd_mp_begin(void *arg, const char *name, const char *filename,
			 struct rv_err *err)
{
	struct envd_upload *u = arg;

	(void)err;
	if (strcmp(name, "file") || u->status)
		return 0;	/* other fields are not files */
	if (!u->dest && (!filename || !*filename)) {
		envd_upload_fail(u, 400, "a file part has no filename and the "
				 "query no path");
		return 0;
	}
	envd_upload_open(u, u->dest ? u->dest : filename);
	return 0;
}

static int envd_mp_data(void *arg, const char *data, size_t len,
			struct rv_err *err)
{
	(void)err;
	envd_upload_write(arg, data, len);
	return 0;
}

static int envd_mp_end(void *arg, struct rv_err *err)
{
	(void)err;
	envd_upload_done(arg);
	return 0;
}

static const struct tb_mp_handler envd_mp_handler = {
	envd_mp_begin, envd_mp_data, envd_mp_end,
};

void envd_files_upload_begin(struct tb_req *r)
{
	struct envd_upload *u = rv_xcalloc(1, sizeof(*u));
	const char *ctype = tb_req_header(r, "content-type");
	const char *q = tb_req_query(r, "path");
	char *boundary = tb_mp_boundary(ctype ? ctype : "");

	u->srv = tb_req_server(r);
	u->fd = -1;
	u->files = json_array();
	u->dest = q && *q ? rv_xstrdup(q) : NULL;
	tb_req_set_upload(r, u, envd_upload_free);
	if (!envd_user_ok(r, false))
		envd_upload_fail(u, 401, "invalid user");
	if (boundary) {
		u->mp = tb_mp_new(boundary, &envd_mp_handler, u);
	} else if (ctype && !strncasecmp(ctype, "application/octet-stream",
					 24)) {
		if (!u->dest)
			envd_upload_fail(u, 400, "an octet-stream upload needs "
					 "a path");
		else
			envd_upload_open(u, u->dest);
	} else {
		envd_upload_fail(u, 400, "the body must be multipart/form-data "
				 "or application/octet-stream, not '%s'",
				 ctype ? ctype : "");
	}
	free(boundary);
}

int envd_files_upload_data(struct tb_req *r, const char *p, size_t n)
{
	struct envd_upload *u = tb_req_upload(r);
	struct rv_err err = RV_ERR_INIT;

	if (u->broken)
		return 0;
	if (!u->mp) {
		envd_upload_write(u, p, n);
	} else if (tb_mp_feed(u->mp, p, n, &err)) {
		u->broken = true;
		envd_upload_fail(u, 400, "malformed multipart body: %s",
				 err.msg);
	}
	return 0;
}

void envd_files_post(struct tb_req *r)
{
	struct envd_upload *u = tb_req_upload(r);
	struct rv_err err = RV_ERR_INIT;

	if (u->mp && !u->broken && tb_mp_finish(u->mp, &err))
		envd_upload_fail(u, 400, "malformed multipart body: %s",
				 err.msg);
	if (!u->mp)
		envd_upload_done(u);
	if (!u->status && !json_array_size(u->files))
		envd_upload_fail(u, 400, "no file in the request");
	if (u->status) {
		if (u->fd >= 0 && u->path)
			unlink(u->path);	/* a half-written file */
		tb_reply_error(r, u->status, NULL, "%s", u->why);
		return;
	}
	tb_reply_json(r, 200, json_incref(u->files));
}
