/*
 * envd: the daemon inside every e2b-lite sandbox, a face (struct tb_face)
 * of the in-sandbox daemon framework in providers/lite, serving the
 * subset of E2B's envd that the official SDK and runeval use
 * (docs/e2b-api.md):
 *
 *   GET  /health                      204
 *   GET  /envs                        the sandbox's environment
 *   GET  /files?path=&username=       a file's bytes
 *   POST /files?path=&username=       multipart (one part "file" per
 *                                     file) or octet-stream; parents made
 *   POST /process.Process/{Start,Connect}            server streams
 *   POST /process.Process/{List,SendSignal,SendInput,CloseStdin}
 *   POST /filesystem.Filesystem/{Stat,MakeDir,Move,ListDir,Remove}
 *
 * RPCs are Connect as JSON over HTTP/1.1: a unary call is a JSON body
 * answered by JSON (an error by its HTTP status and {code, message}); a
 * server stream takes one envelope ([flags][len BE32][json]) and answers
 * with envelopes, the last flagged 0x02 ({} or {"error": ...}).  The
 * stream's body has no length and ends with the connection.
 *
 * It listens on envd.sock and forward.sock in --socket-dir, or, as
 * e2b-lite starts it, on listening sockets it inherits (--toolbox-fd,
 * --forward-fd; see the Daytona toolbox, toolbox.h); e2b-lite relays
 * port 49983 of the sandbox to the first.  Relative paths start at
 * the home directory.  Every process runs as the sandbox's one user
 * ("user", uid 1000), whichever username a request names (root or user);
 * what it may read and write is what that user may in the sandbox (its
 * home and /tmp; the rest is read-only).
 *
 *   e2b-lite envd --socket-dir DIR [--home DIR] [--workdir DIR]
 *   e2b-lite envd --toolbox-fd N --forward-fd M [--ready-fd K] ...
 */
#ifndef RUNEVAL_PROVIDERS_E2B_LITE_ENVD_ENVD_H
#define RUNEVAL_PROVIDERS_E2B_LITE_ENVD_ENVD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "rv_buf.h"

struct tb_req;
struct tb_server;

#define ENVD_VERSION "0.5.7"	/* the envd behaviour emulated */
#define ENVD_PORT 49983

/* argv[0] is "envd"; returns the exit status. */
int envd_main(int argc, char **argv);

/* --- Connect RPC (envd_rpc.c) ------------------------------------------ */

/* Connect's error codes and the HTTP status a unary error answers with. */
#define ENVD_CODE_MAP(X) \
	X(CANCELED, "canceled", 499) \
	X(UNKNOWN, "unknown", 500) \
	X(INVALID_ARGUMENT, "invalid_argument", 400) \
	X(DEADLINE_EXCEEDED, "deadline_exceeded", 504) \
	X(NOT_FOUND, "not_found", 404) \
	X(ALREADY_EXISTS, "already_exists", 409) \
	X(PERMISSION_DENIED, "permission_denied", 403) \
	X(RESOURCE_EXHAUSTED, "resource_exhausted", 429) \
	X(FAILED_PRECONDITION, "failed_precondition", 400) \
	X(UNIMPLEMENTED, "unimplemented", 501) \
	X(INTERNAL, "internal", 500) \
	X(UNAVAILABLE, "unavailable", 503)

enum envd_code {
#define ENVD_CODE_ENUM_(name, text, status) ENVD_##name,
	ENVD_CODE_MAP(ENVD_CODE_ENUM_)
#undef ENVD_CODE_ENUM_
};

/* Frame flags of a Connect envelope. */
#define ENVD_FRAME_END 0x02

/* Append an envelope holding msg (JSON text) with flags to out. */
void envd_frame(struct rv_buf *out, unsigned char flags, const json_t *msg);

/*
 * The message of a request: a unary call's JSON body, or a stream's one
 * envelope.  On failure it has answered r (invalid_argument) and returns
 * NULL.
 */
json_t *envd_rpc_request(struct tb_req *r, bool stream);

/* Answer a unary call. */
void envd_rpc_reply(struct tb_req *r, json_t *msg);

/*
 * Answer a call with an error: a unary one by HTTP status, a stream
 * (whose head may be out already) by its end envelope.
 */
void envd_rpc_error(struct tb_req *r, bool stream, enum envd_code code,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Open a server stream (its head goes out with the first envelope). */
void envd_stream_open(struct tb_req *r);
/* Send one message on it. */
void envd_stream_send(struct tb_req *r, const json_t *msg);
/* End it: error NULL is success. */
void envd_stream_end(struct tb_req *r, enum envd_code code,
		     const char *error);

/* A field of a ProcessSelector-like object: pid (uint32) or tag. */
bool envd_json_pid(const json_t *v, pid_t *pid);

/* base64 of p[0..n) as a JSON string (Connect's JSON form of bytes). */
json_t *envd_json_bytes(const char *p, size_t n);
/* The bytes of a base64 (or base64url) JSON string; false when bad. */
bool envd_json_unbytes(const json_t *v, struct rv_buf *out);

/* --- processes (envd_proc.c) ------------------------------------------- */

/* The process RPC handlers and shutdown. */
void envd_proc_start(struct tb_req *r);
void envd_proc_connect(struct tb_req *r);
void envd_proc_list(struct tb_req *r);
void envd_proc_signal(struct tb_req *r);
void envd_proc_input(struct tb_req *r);
void envd_proc_close_stdin(struct tb_req *r);
void envd_proc_shutdown(struct tb_server *s);

/* --- files and the filesystem service (envd_files.c, envd_fs.c) --------- */

void envd_health(struct tb_req *r);
void envd_envs(struct tb_req *r);
void envd_files_get(struct tb_req *r);
void envd_files_post(struct tb_req *r);
void envd_files_upload_begin(struct tb_req *r);
int envd_files_upload_data(struct tb_req *r, const char *p, size_t n);

void envd_fs_stat(struct tb_req *r);
void envd_fs_make_dir(struct tb_req *r);
void envd_fs_move(struct tb_req *r);
void envd_fs_list_dir(struct tb_req *r);
void envd_fs_remove(struct tb_req *r);

/*
 * The absolute, normalized path p names (relative: to the home
 * directory); NULL with why when it is empty.
 */
char *envd_path(struct tb_server *s, const char *p, char *why, size_t size);

/*
 * A username parameter or Basic authorization is "root" or "user" (or
 * absent); false after answering r with 401 otherwise.
 */
bool envd_user_ok(struct tb_req *r, bool rpc);

#endif
