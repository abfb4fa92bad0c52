/*
 * toolbox_files: helpers shared by the file endpoints (toolbox_files.c,
 * toolbox_upload.c, toolbox_download.c).
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_TOOLBOX_FILES_H
#define RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_TOOLBOX_FILES_H

#include <jansson.h>
#include <sys/stat.h>

#include "rv_buf.h"

struct tb_req;

/*
 * The query argument name resolved inside the sandbox (malloc'ed), or
 * NULL after replying 400 (missing, outside the roots).
 */
char *tb_files_arg_path(struct tb_req *r, const char *name);

/* A FileInfo object for path as stat() saw it. */
json_t *tb_file_info(const char *path, const struct stat *st);

/* The MIME type Go's mime.TypeByExtension gives path, or octet-stream. */
const char *tb_file_mime(const char *path);

/* filename*=utf-8''... encoding (RFC 5987) of s appended to b. */
void tb_rfc5987(struct rv_buf *b, const char *s);

/* s made safe for a quoted filename="..." (Go's toLatin1) appended to b. */
void tb_latin1(struct rv_buf *b, const char *s);

/* POST /files/bulk-upload (toolbox_upload.c) */
void tb_files_upload(struct tb_req *r);
/* POST /files/bulk-download (toolbox_download.c) */
void tb_files_bulk_download(struct tb_req *r);

#endif
