/*
 * File endpoints (reference §6.1): list, info, folder, delete, move and
 * the single-file download.  Bulk upload and download have files of
 * their own.  Every path goes through tb_path_resolve() first.
 */
#include "toolbox_files.h"

#include "rv_alloc.h"
#include "rv_fs.h"
#include "toolbox.h"
#include "toolbox_http.h"
#include "toolbox_path.h"
#include "toolbox_srv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

char *tb_files_arg_path(struct tb_req *r, const char *name)
{
	struct rv_err err = RV_ERR_INIT;
	char *path;

	if (tb_path_resolve(&tb_req_server(r)->roots, tb_req_query(r, name),
			    &path, &err)) {
		tb_reply_error(r, 400, "INVALID_FILE_PATH", "bad request: %s",
			       err.msg);
		return NULL;
	}
	return path;
}

/* The reply for a failed system call on path. */
static void tb_files_errno(struct tb_req *r, int e, const char *what,
			   const char *path)
{
	if (e == ENOENT || e == ENOTDIR)
		tb_reply_error(r, 404, "FILE_NOT_FOUND", "not found: %s %s: %s",
			       what, path, strerror(e));
	else if (e == EACCES || e == EPERM || e == EROFS)
		tb_reply_error(r, 403, "FILE_ACCESS_DENIED", "forbidden: %s "
			       "%s: %s", what, path, strerror(e));
	else
		tb_reply_error(r, 400, NULL, "bad request: %s %s: %s", what,
			       path, strerror(e));
}

json_t *tb_file_info(const char *path, const struct stat *st)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash && slash[1] ? slash + 1 : path;
	char mode[16], go[96], rfc[64], owner[24], group[24], perms[8];

	tb_file_mode_string(st, mode);
	tb_file_times(&st->st_mtim, go, sizeof(go), rfc, sizeof(rfc));
	snprintf(owner, sizeof(owner), "%u", (unsigned)st->st_uid);
	snprintf(group, sizeof(group), "%u", (unsigned)st->st_gid);
	snprintf(perms, sizeof(perms), "%04o", (unsigned)(st->st_mode & 0777));
	return json_pack("{s:s,s:I,s:s,s:s,s:s,s:b,s:s,s:s,s:s}",
			 "name", name, "size", (json_int_t)st->st_size,
			 "mode", mode, "modTime", go, "modifiedAt", rfc,
			 "isDir", S_ISDIR(st->st_mode), "owner", owner,
			 "group", group, "permissions", perms);
}

static void tb_files_list(struct tb_req *r)
{
	char *dir;
	DIR *d;
	struct dirent *e;
	json_t *list;

	if (!tb_req_query(r, "path"))	/* the daemon lists "." then */
		dir = rv_xstrdup(tb_req_server(r)->workdir);
	else if (!(dir = tb_files_arg_path(r, "path")))
		return;
	d = opendir(dir);
	if (!d) {
		tb_files_errno(r, errno, "open", dir);
		free(dir);
		return;
	}
	list = json_array();
	while ((e = readdir(d))) {
		char *p;
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		p = rv_xasprintf("%s/%s", strcmp(dir, "/") ? dir : "",
				 e->d_name);
		if (stat(p, &st) == 0)
			json_array_append_new(list, tb_file_info(p, &st));
		free(p);
	}
	closedir(d);
	free(dir);
	tb_reply_json(r, 200, list);
}

static void tb_files_info(struct tb_req *r)
{
	char *path = tb_files_arg_path(r, "path");
	struct stat st;

	if (!path)
		return;
	if (stat(path, &st) < 0)
		tb_files_errno(r, errno, "stat", path);
	else
		tb_reply_json(r, 200, tb_file_info(path, &st));
	free(path);
}

static void tb_files_folder(struct tb_req *r)
{
	const char *mode = tb_req_query(r, "mode");
	char *path = tb_files_arg_path(r, "path"), *end = NULL;
	unsigned long perm = 0755;
	struct rv_err err = RV_ERR_INIT;

	if (!path)
		return;
	if (mode && *mode)
		perm = strtoul(mode, &end, 8);
	if (end && (*end || perm > 07777))
		tb_reply_error(r, 400, NULL, "bad request: invalid mode format");
	else if (tb_mkdir_p(path, (mode_t)perm, &err))
		tb_reply_error(r, 400, NULL, "bad request: %s", err.msg);
	else
		tb_reply_empty(r, 201);
	free(path);
}

static void tb_files_delete(struct tb_req *r)
{
	const char *rec = tb_req_query(r, "recursive");
	char *path = tb_files_arg_path(r, "path");
	struct rv_err err = RV_ERR_INIT;
	struct stat st;

	if (!path)
		return;
	if (lstat(path, &st) < 0)
		tb_files_errno(r, errno, "stat", path);
	else if (!strcmp(path, tb_req_server(r)->home) ||
		 !strcmp(path, "/tmp"))
		tb_reply_error(r, 400, NULL, "bad request: refusing to delete "
			       "'%s'", path);
	else if (S_ISDIR(st.st_mode) && !(rec && !strcmp(rec, "true")))
		tb_reply_error(r, 400, NULL, "bad request: cannot delete "
			       "directory without recursive flag");
	else if (S_ISDIR(st.st_mode) ? rv_remove_tree(path, &err) :
		 (unlink(path) < 0 &&
		  rv_errf(&err, RV_ERR_IO, "remove %s: %s", path,
			  strerror(errno))))
		tb_reply_error(r, 400, NULL, "bad request: %s", err.msg);
	else
		tb_reply_empty(r, 204);
	free(path);
}

static void tb_files_move(struct tb_req *r)
{
	char *src = tb_files_arg_path(r, "source");
	char *dst = src ? tb_files_arg_path(r, "destination") : NULL;

	if (dst && rename(src, dst) < 0)
		tb_files_errno(r, errno, "rename", src);
	else if (dst)
		tb_reply_empty(r, 200);
	free(src);
	free(dst);
}

/* --- single-file download ----------------------------------------------- */

static void tb_files_download(struct tb_req *r)
{
	char *path = tb_files_arg_path(r, "path");
	struct rv_buf hdr = RV_BUF_INIT;
	struct stat st;
	int fd;

	if (!path)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		tb_files_errno(r, errno, "open", path);
	} else if (S_ISDIR(st.st_mode)) {
		tb_reply_error(r, 400, NULL, "bad request: path must be a file");
	} else {
		const char *base = strrchr(path, '/') + 1;

		rv_buf_adds(&hdr, "content-disposition: attachment; "
			    "filename=\"");
		tb_latin1(&hdr, base);
		rv_buf_adds(&hdr, "\"; filename*=utf-8''");
		tb_rfc5987(&hdr, base);
		rv_buf_adds(&hdr, "\r\n");
		tb_reply_fd(r, 200, "application/octet-stream", hdr.data, fd,
			    (uint64_t)st.st_size);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	rv_buf_release(&hdr);
	free(path);
}

void tb_rfc5987(struct rv_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p))
			rv_buf_addch(b, (char)*p);
		else
			rv_buf_addf(b, "%%%02X", *p);
	}
}

void tb_latin1(struct rv_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\' || *p == '"') {
			rv_buf_addch(b, '\\');
			rv_buf_addch(b, (char)*p);
		} else if (*p == '\r' || *p == '\n') {
			continue;
		} else if ((*p == 0xc2 || *p == 0xc3) && (p[1] & 0xc0) == 0x80) {
			unsigned cp = ((*p & 0x1fu) << 6) | (p[1] & 0x3fu);

			rv_buf_addch(b, cp < 0xa0 ? '_' : (char)cp);
			p++;	/* a Latin-1 rune: one byte, as Go writes it */
		} else if ((*p & 0xc0) == 0x80) {
			continue;	/* the rest of a rune already replaced */
		} else if (*p < 0x20 || *p >= 0x7f) {
			rv_buf_addch(b, '_');
		} else {
			rv_buf_addch(b, (char)*p);
		}
	}
}

const char *tb_file_mime(const char *path)
{
	static const char *const types[][2] = {
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".html", "text/html; charset=utf-8" },
		{ ".htm", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".xml", "text/xml; charset=utf-8" },
		{ ".pdf", "application/pdf" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" },
		{ ".svg", "image/svg+xml" },
		{ ".webp", "image/webp" },
		{ ".wasm", "application/wasm" },
		{ ".gz", "application/gzip" },
	};
	const char *dot = strrchr(path, '.');

	if (dot && !strchr(dot, '/'))
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcasecmp(dot, types[i][0]))
				return types[i][1];
	return "application/octet-stream";
}

static const struct tb_upload_body tb_bulk_upload = {
	tb_upload_begin, tb_upload_data,
};

const struct tb_route tb_routes_files[] = {
	{ "GET", "/files", tb_files_list, TB_BODY_NONE, NULL },
	{ "GET", "/files/", tb_files_list, TB_BODY_NONE, NULL },
	{ "GET", "/files/info", tb_files_info, TB_BODY_NONE, NULL },
	{ "GET", "/files/download", tb_files_download, TB_BODY_NONE, NULL },
	{ "POST", "/files/folder", tb_files_folder, TB_BODY_NONE, NULL },
	{ "POST", "/files/move", tb_files_move, TB_BODY_NONE, NULL },
	{ "DELETE", "/files", tb_files_delete, TB_BODY_NONE, NULL },
	{ "DELETE", "/files/", tb_files_delete, TB_BODY_NONE, NULL },
	{ "POST", "/files/bulk-upload", tb_files_upload, TB_BODY_UPLOAD,
	  &tb_bulk_upload },
	{ "POST", "/files/bulk-download", tb_files_bulk_download,
	  TB_BODY_BUFFER, NULL },
	{ NULL, NULL, NULL, TB_BODY_NONE, NULL },
};
