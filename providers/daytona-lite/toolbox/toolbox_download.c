/*
 * POST /files/bulk-download (reference §6.4): {"paths":[...]} answered
 * as multipart/form-data with boundary DAYTONA-FILE-BOUNDARY, one part
 * per path in order, laid out as Go's multipart.Writer does.  A part is
 * named "file" (the bytes) or "error" (a JSON error with code
 * FILE_NOT_FOUND, FILE_ACCESS_DENIED, INVALID_FILE_PATH or
 * FILE_READ_FAILED); its filename is the requested path, exactly.  Files
 * are opened up front so the length is known, then streamed.
 */
#include "toolbox_files.h"

#include "rv_alloc.h"
#include "toolbox.h"
#include "toolbox_http.h"
#include "toolbox_path.h"
#include "toolbox_srv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define TB_BOUNDARY "DAYTONA-FILE-BOUNDARY"

struct tb_seg {
	char *text;		/* part headers (and the separators) */
	size_t tlen;
	int fd;			/* the file's bytes, or -1 */
	uint64_t size;
};

struct tb_bulk {
	struct tb_seg *segs;
	size_t nsegs;
	size_t cur;		/* segment being sent */
	uint64_t off;		/* offset inside it: text, then file */
};

static void tb_bulk_free(void *arg)
{
	struct tb_bulk *b = arg;

	for (size_t i = 0; i < b->nsegs; i++) {
		free(b->segs[i].text);
		if (b->segs[i].fd >= 0)
			close(b->segs[i].fd);
	}
	free(b->segs);
	free(b);
}

static ssize_t tb_bulk_fill(void *arg, char *buf, size_t max)
{
	struct tb_bulk *b = arg;
	size_t got = 0;

	while (got < max && b->cur < b->nsegs) {
		struct tb_seg *s = &b->segs[b->cur];
		size_t n;

		if (b->off < s->tlen) {
			n = s->tlen - (size_t)b->off;
			n = n < max - got ? n : max - got;
			memcpy(buf + got, s->text + b->off, n);
		} else if (b->off < s->tlen + s->size) {
			uint64_t left = s->tlen + s->size - b->off;
			ssize_t r;

			n = left < max - got ? (size_t)left : max - got;
			do
				r = read(s->fd, buf + got, n);
			while (r < 0 && errno == EINTR);
			if (r < 0)
				return -1;
			if (r == 0)	/* shrank under us: keep the framing */
				memset(buf + got, 0, n);
			else
				n = (size_t)r;
		} else {
			b->cur++;
			b->off = 0;
			continue;
		}
		got += n;
		b->off += n;
	}
	return (ssize_t)got;
}

static void tb_bulk_add(struct tb_bulk *b, struct rv_buf *text, int fd,
			uint64_t size)
{
	struct tb_seg *s;

	b->segs = rv_xreallocarray(b->segs, b->nsegs + 1, sizeof(*b->segs));
	s = &b->segs[b->nsegs++];
	s->tlen = text->len;
	s->text = rv_buf_detach(text, NULL);
	s->fd = fd;
	s->size = size;
}

/* "--BOUNDARY\r\nContent-Disposition: form-data; name=...; filename=..." */
static void tb_bulk_part_head(struct rv_buf *t, bool first, const char *name,
			      const char *path)
{
	rv_buf_adds(t, first ? "--" TB_BOUNDARY "\r\n" :
		    "\r\n--" TB_BOUNDARY "\r\n");
	rv_buf_addf(t, "Content-Disposition: form-data; name=\"%s\"; "
		    "filename=\"", name);
	tb_latin1(t, path);
	rv_buf_adds(t, "\"; filename*=utf-8''");
	tb_rfc5987(t, path);
	rv_buf_adds(t, "\r\n");
}

static void tb_bulk_error(struct tb_bulk *b, const char *path, int status,
			  const char *code, const char *msg)
{
	struct rv_buf t = RV_BUF_INIT;
	json_t *v = tb_error_json(status, code, msg, path, "POST");
	char *s = json_dumps(v, JSON_COMPACT);

	tb_bulk_part_head(&t, b->nsegs == 0, "error", path);
	rv_buf_addf(&t, "Content-Type: application/json; charset=utf-8\r\n"
		    "\r\n%s", s);
	tb_bulk_add(b, &t, -1, 0);
	free(s);
	json_decref(v);
}

static void tb_bulk_path(struct tb_server *srv, struct tb_bulk *b,
			 const char *path)
{
	struct rv_err err = RV_ERR_INIT;
	struct rv_buf t = RV_BUF_INIT, msg = RV_BUF_INIT;
	char *real = NULL;
	struct stat st;
	int fd = -1, e;

	if (!*path) {
		tb_bulk_error(b, path, 400, "INVALID_FILE_PATH",
			      "invalid file path: path is empty");
		return;
	}
	if (tb_path_resolve(&srv->roots, path, &real, &err)) {
		rv_buf_addf(&msg, "invalid file path: %s", err.msg);
		tb_bulk_error(b, path, 400, "INVALID_FILE_PATH", msg.data);
		goto out;
	}
	fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		e = errno;
		if (e == ENOENT || e == ENOTDIR) {
			rv_buf_addf(&msg, "file not found: %s", path);
			tb_bulk_error(b, path, 404, "FILE_NOT_FOUND", msg.data);
		} else if (e == EACCES || e == EPERM) {
			rv_buf_addf(&msg, "permission denied: %s", path);
			tb_bulk_error(b, path, 403, "FILE_ACCESS_DENIED",
				      msg.data);
		} else {
			rv_buf_addf(&msg, "failed to open file: %s",
				    strerror(e));
			tb_bulk_error(b, path, 500, "FILE_READ_FAILED",
				      msg.data);
		}
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rv_buf_addf(&msg, "invalid file path: path points to a "
			    "directory: %s", path);
		tb_bulk_error(b, path, 400, "INVALID_FILE_PATH", msg.data);
		goto out;
	}
	tb_bulk_part_head(&t, b->nsegs == 0, "file", path);
	rv_buf_addf(&t, "Content-Length: %llu\r\nContent-Type: %s\r\n\r\n",
		    (unsigned long long)st.st_size, tb_file_mime(path));
	tb_bulk_add(b, &t, fd, (uint64_t)st.st_size);
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(real);
	rv_buf_release(&msg);
}

void tb_files_bulk_download(struct tb_req *r)
{
	json_t *body = tb_req_json(r);
	json_t *paths = json_object_get(body, "paths"), *p;
	struct tb_bulk *b;
	struct rv_buf end = RV_BUF_INIT;
	struct tb_producer prod = { tb_bulk_fill, tb_bulk_free, NULL };
	uint64_t total = 0;
	size_t i;

	if (!body)
		return;
	if (!json_is_array(paths) || !json_array_size(paths)) {
		tb_reply_json(r, 400, json_pack("{s:s}", "error", "request body "
			      "must be {\"paths\": [ ... ]} and non-empty"));
		json_decref(body);
		return;
	}
	b = rv_xcalloc(1, sizeof(*b));
	json_array_foreach(paths, i, p)
		tb_bulk_path(tb_req_server(r), b, json_is_string(p) ?
			     json_string_value(p) : "");
	rv_buf_adds(&end, "\r\n--" TB_BOUNDARY "--\r\n");
	tb_bulk_add(b, &end, -1, 0);
	for (i = 0; i < b->nsegs; i++)
		total += b->segs[i].tlen + b->segs[i].size;
	prod.arg = b;
	tb_reply_stream(r, 200, "multipart/form-data; boundary=" TB_BOUNDARY,
			NULL, total, &prod);
	json_decref(body);
}
