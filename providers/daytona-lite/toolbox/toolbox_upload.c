/*
 * POST /files/bulk-upload (reference §6.3): multipart parts
 * files[N].path then files[N].file, streamed to disk as they arrive
 * (chunked bodies too).  Parent directories are created.  A destination
 * outside the sandbox is an error for that file and nothing is written
 * for it; the reply is 400 {"errors":[...],"files":[...]} when anything
 * failed, else 200 {"files":[{"path","bytes"}]}.
 */
#include "toolbox_files.h"

#include "rv_alloc.h"
#include "toolbox.h"
#include "toolbox_http.h"
#include "toolbox_multipart.h"
#include "toolbox_path.h"
#include "toolbox_srv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TB_MAX_PATH_VALUE 8192

enum tb_part { TB_PART_IGNORE, TB_PART_PATH, TB_PART_FILE };

struct tb_dest {
	char *idx;
	char *path;
};

struct tb_upload {
	struct tb_server *srv;
	struct tb_mp *mp;
	bool invalid;		/* not multipart at all */
	bool broken;		/* the body stopped parsing */
	bool bad_path;		/* some destination was refused */
	struct tb_dest *dests;
	size_t ndests;
	enum tb_part kind;
	char *idx;
	struct rv_buf value;
	int fd;
	char *path;
	uint64_t bytes;
	json_t *errors, *files;
};

static void tb_upload_error(struct tb_upload *u, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tb_upload_error(struct tb_upload *u, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(u->errors, json_string(msg));
}

/* files[0].path -> "0" (malloc'ed), as the daemon's extractIndex */
static char *tb_upload_index(const char *name, size_t suffix)
{
	size_t n = strlen(name) - suffix;

	if (!strncmp(name, "files[", 6)) {
		name += 6;
		n -= 6;
	}
	if (n && name[n - 1] == ']')
		n--;
	return rv_xstrndup(name, n);
}

static const char *tb_upload_dest(struct tb_upload *u, const char *idx)
{
	for (size_t i = 0; i < u->ndests; i++)
		if (!strcmp(u->dests[i].idx, idx))
			return u->dests[i].path;
	return NULL;
}

static void tb_upload_close_file(struct tb_upload *u, bool ok)
{
	if (u->fd < 0)
		return;
	if (close(u->fd) < 0 && ok) {
		tb_upload_error(u, "%s: close: %s", u->path, strerror(errno));
		ok = false;
	}
	u->fd = -1;
	if (ok)
		json_array_append_new(u->files, json_pack("{s:s,s:I}", "path",
			u->path, "bytes", (json_int_t)u->bytes));
}

/* Open the destination of a .file part; false (error noted) when not. */
static bool tb_upload_open(struct tb_upload *u, const char *dest)
{
	struct rv_err err = RV_ERR_INIT;
	char *slash;

	free(u->path);
	u->path = NULL;
	if (tb_path_resolve(&u->srv->roots, dest, &u->path, &err)) {
		u->bad_path = true;
		tb_upload_error(u, "%s: %s", dest, err.msg);
		return false;
	}
	slash = strrchr(u->path, '/');
	if (slash && slash != u->path) {
		*slash = '\0';
		if (tb_mkdir_p(u->path, 0755, &err)) {
			tb_upload_error(u, "%s: %s", dest, err.msg);
			return false;
		}
		*slash = '/';
	}
	u->fd = open(u->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (u->fd < 0) {
		tb_upload_error(u, "%s: create: %s", dest, strerror(errno));
		return false;
	}
	u->bytes = 0;
	return true;
}

static int tb_upload_begin_part(void *arg, const char *name,
				const char *filename, struct rv_err *err)
{
	struct tb_upload *u = arg;
	size_t n = strlen(name);
	const char *dest;

	(void)filename;
	(void)err;
	free(u->idx);
	u->idx = NULL;
	u->kind = TB_PART_IGNORE;
	rv_buf_reset(&u->value);
	if (n > 5 && !strcmp(name + n - 5, ".path")) {
		u->idx = tb_upload_index(name, 5);
		u->kind = TB_PART_PATH;
	} else if (n > 5 && !strcmp(name + n - 5, ".file")) {
		u->idx = tb_upload_index(name, 5);
		dest = tb_upload_dest(u, u->idx);
		if (!dest)
			tb_upload_error(u, "file[%s]: missing .path metadata",
					u->idx);
		else if (tb_upload_open(u, dest))
			u->kind = TB_PART_FILE;
	}
	return 0;
}

static int tb_upload_part_data(void *arg, const char *data, size_t len,
			       struct rv_err *err)
{
	struct tb_upload *u = arg;

	if (u->kind == TB_PART_PATH) {
		if (u->value.len + len > TB_MAX_PATH_VALUE) {
			rv_errf(err, RV_ERR_LIMIT, "path[%s]: too long", u->idx);
			return -1;
		}
		rv_buf_add(&u->value, data, len);
	} else if (u->kind == TB_PART_FILE) {
		while (len) {
			ssize_t n = write(u->fd, data, len);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				tb_upload_error(u, "%s: write: %s", u->path,
						strerror(errno));
				tb_upload_close_file(u, false);
				u->kind = TB_PART_IGNORE;
				break;
			}
			data += n;
			len -= (size_t)n;
			u->bytes += (uint64_t)n;
		}
	}
	return 0;
}

static int tb_upload_end_part(void *arg, struct rv_err *err)
{
	struct tb_upload *u = arg;
	char *v;

	(void)err;
	if (u->kind == TB_PART_FILE)
		tb_upload_close_file(u, true);
	if (u->kind != TB_PART_PATH)
		return 0;
	v = u->value.data;
	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	while (u->value.len && strchr(" \t\r\n",
				      u->value.data[u->value.len - 1]))
		rv_buf_truncate(&u->value, u->value.len - 1);
	if (!*v) {
		tb_upload_error(u, "path[%s]: empty path", u->idx);
		return 0;
	}
	u->dests = rv_xreallocarray(u->dests, u->ndests + 1, sizeof(*u->dests));
	u->dests[u->ndests].idx = u->idx;
	u->dests[u->ndests++].path = rv_xstrdup(v);
	u->idx = NULL;
	return 0;
}

static const struct tb_mp_handler tb_upload_handler = {
	tb_upload_begin_part, tb_upload_part_data, tb_upload_end_part,
};

static void tb_upload_free(void *arg)
{
	struct tb_upload *u = arg;

	if (!u)
		return;
	tb_upload_close_file(u, false);
	tb_mp_free(u->mp);
	for (size_t i = 0; i < u->ndests; i++) {
		free(u->dests[i].idx);
		free(u->dests[i].path);
	}
	free(u->dests);
	free(u->idx);
	free(u->path);
	rv_buf_release(&u->value);
	json_decref(u->errors);
	json_decref(u->files);
	free(u);
}

void tb_upload_begin(struct tb_req *r)
{
	struct tb_upload *u = rv_xcalloc(1, sizeof(*u));
	char *boundary = tb_mp_boundary(tb_req_header(r, "content-type"));

	u->srv = tb_req_server(r);
	u->fd = -1;
	u->errors = json_array();
	u->files = json_array();
	rv_buf_init(&u->value);
	if (boundary)
		u->mp = tb_mp_new(boundary, &tb_upload_handler, u);
	else
		u->invalid = true;
	free(boundary);
	tb_req_set_upload(r, u, tb_upload_free);
}

int tb_upload_data(struct tb_req *r, const char *data, size_t len)
{
	struct tb_upload *u = tb_req_upload(r);
	struct rv_err err = RV_ERR_INIT;

	if (!u || u->invalid || u->broken)
		return 0;
	if (tb_mp_feed(u->mp, data, len, &err)) {
		u->broken = true;
		tb_upload_error(u, "reading part: %s", err.msg);
	}
	return 0;
}

void tb_files_upload(struct tb_req *r)
{
	struct tb_upload *u = tb_req_upload(r);
	struct rv_err err = RV_ERR_INIT;
	json_t *reply;
	char *joined;

	if (!u || u->invalid) {
		reply = json_pack("{s:[s],s:i,s:s,s:s,s:s}", "errors",
				  "invalid multipart form", "statusCode", 400,
				  "message", "bad request: invalid multipart "
				  "form", "code", "BAD_REQUEST", "source",
				  "DAYTONA_DAEMON");
		tb_reply_json(r, 400, reply);
		return;
	}
	if (!u->broken && tb_mp_finish(u->mp, &err))
		tb_upload_error(u, "reading part: %s", err.msg);
	tb_upload_close_file(u, false);	/* a part cut short */
	if (!json_array_size(u->errors)) {
		tb_reply_json(r, 200, json_pack("{s:O}", "files", u->files));
		return;
	}
	joined = NULL;
	for (size_t i = 0; i < json_array_size(u->errors); i++) {
		const char *e = json_string_value(json_array_get(u->errors, i));
		char *next = joined ? rv_xasprintf("%s; %s", joined, e) :
			rv_xstrdup(e);

		free(joined);
		joined = next;
	}
	reply = json_pack("{s:O,s:O,s:i,s:s+,s:s,s:s}", "errors", u->errors,
			  "files", u->files, "statusCode", 400, "message",
			  "bad request: ", joined, "code", u->bad_path ?
			  "INVALID_FILE_PATH" : "BAD_REQUEST", "source",
			  "DAYTONA_DAEMON");
	free(joined);
	tb_reply_json(r, 400, reply);
}
