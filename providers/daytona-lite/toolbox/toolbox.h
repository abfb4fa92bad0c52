/*
 * toolbox: the daemon that runs inside every daytona-lite sandbox, a face
 * (struct tb_face) of the in-sandbox daemon framework in providers/lite.
 *
 * It serves the Daytona toolbox API (process/execute, sessions, files,
 * git, ...; reference §6) the way Daytona's own daemon (v0.190, with the
 * behaviour SDKs >= 0.167 get) does, on unix sockets in --socket-dir:
 *
 *   toolbox.sock  HTTP/1.1 and WebSocket, paths relative to the toolbox
 *                 base ("POST /process/execute").  The control plane relays
 *                 {toolboxProxyUrl}/{id}/... here unchanged.
 *   forward.sock  raw port forwarding: a client writes "CONNECT <port>\n",
 *                 reads "OK\n" and then talks to 127.0.0.1:<port> (or ::1);
 *                 on failure it reads "ERR <reason>\n" ("ERR refused" when
 *                 nothing listens) and the connection is closed.
 *   ready         written (atomically) once both sockets listen.
 *
 *   daytona-lite toolbox --socket-dir DIR --home HOME [--workdir DIR]
 *   daytona-lite toolbox --toolbox-fd N --forward-fd M [--ready-fd K] ...
 *
 * The second form is how daytona-lite starts it in a sandbox: the two
 * sockets were bound and put in listening state by the server, outside
 * the sandbox, and are inherited as descriptors N and M (so the sandbox
 * has no socket file it could replace); "ready\n" is written to K once
 * they are served.  Inherited descriptors are kept from every process
 * the daemon starts.
 *
 * File endpoints only touch paths inside HOME, the work directory and
 * /tmp (after resolving '..' and symlinks); anything else is a 400.
 * --home defaults to /home/daytona.  main.c passes argv from "toolbox" on.
 * SIGTERM or SIGINT kill every process the daemon started and exit 0.
 *
 * Error replies have the daemon's shape (reference §8.1):
 *   {"statusCode","message","code","timestamp","path","method","source"}
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_TOOLBOX_H
#define RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_TOOLBOX_H

#include <jansson.h>
#include <stddef.h>

#include "toolbox_http.h"
#include "toolbox_log.h"
#include "toolbox_srv.h"

#define TB_VERSION "0.190.0"	/* the daemon behaviour emulated */

/* argv[0] is "toolbox" (or the program name); returns the exit status. */
int toolbox_main(int argc, char **argv);

/* --- what the toolbox's files share (internal) ------------------------- */

/* The daemon's error body (new reference); code NULL: the standard one. */
json_t *tb_error_json(int status, const char *code, const char *msg,
		      const char *path, const char *method);

/* The output format the client's SDK version asks for. */
enum tb_out_fmt tb_req_out_format(struct tb_req *r);

/* The routes, one table per module. */
extern const struct tb_route tb_routes_process[];
extern const struct tb_route tb_routes_files[];
extern const struct tb_route tb_routes_misc[];

/* Bulk-upload body streaming (toolbox_upload.c). */
void tb_upload_begin(struct tb_req *r);
int tb_upload_data(struct tb_req *r, const char *data, size_t len);

/* WebSocket log follow (toolbox_ws.c); wsi is the upgraded connection. */
int tb_follow_filter(struct tb_server *s, struct lws *wsi);
int tb_follow_start(struct tb_server *s, struct lws *wsi, void **slot);
int tb_follow_writable(struct lws *wsi, void *follow);
void tb_follow_closed(void *follow);

/* Kill and free every session (shutdown; toolbox_session.c). */
void tb_sessions_destroy(struct tb_server *s);

#endif
