/*
 * toolbox_srv: the in-sandbox daemon framework's shared state and its
 * event-loop services, for the daemons of both offline servers (the
 * Daytona toolbox of daytona-lite, the envd of e2b-lite).
 *
 * A daemon is a struct tb_face (its routes, error shape, optional
 * WebSocket hooks, start and shutdown hooks) run by tb_daemon_main().
 * Everything runs on one libwebsockets service loop (one thread; only
 * the port forwarder has threads of its own).  On top of lws this module
 * offers what the handlers need: watching a pipe or FIFO (tb_watch),
 * hearing about a child's exit (tb_child_track, through a signalfd), and
 * starting a process in its own process group (tb_spawn).
 *
 * Ownership: a tb_watch owns its fd from tb_watch_new() on; it is closed
 * by the loop, after which on_close runs once and the watch is freed.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_TOOLBOX_SRV_H
#define RUNEVAL_PROVIDERS_LITE_TOOLBOX_SRV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "rv_buf.h"
#include "rv_err.h"
#include "toolbox_path.h"

struct lws;
struct lws_context;
struct lws_vhost;
struct tb_session;
struct tb_child;
struct tb_watch;
struct tb_kill;
struct tb_route;
struct tb_server;

#define TB_MAX_OUTPUT (64u << 20)	/* bytes kept per command output */
#define TB_MAX_HEADERS 8		/* custom headers a face keeps */

/* What makes a daemon the Daytona toolbox or envd. */
struct tb_face {
	const char *prog;	/* "daytona-lite toolbox": logs, usage */
	const char *socket;	/* "toolbox.sock": its API, in --socket-dir */
	const char *usage;	/* --help text */
	/* route tables, each ended by a NULL pattern; NULL-ended */
	const struct tb_route *const *routes;
	/* request headers handlers read with tb_req_header(), lowercase
	   with the colon ("x-daytona-sdk-version:"); NULL-ended, at most
	   TB_MAX_HEADERS */
	const char *const *headers;
	/* the body of an error reply (new reference); code NULL: the
	   standard code for status */
	json_t *(*error_json)(int status, const char *code, const char *msg,
			      const char *path, const char *method);
	/* MAY: after the sockets listen, before serving */
	enum rv_code (*start)(struct tb_server *s, struct rv_err *err);
	/* MAY: shutting down, before every child is killed */
	void (*shutdown)(struct tb_server *s);
	/* MAY: WebSocket upgrades (see toolbox_http.c) */
	int (*ws_filter)(struct tb_server *s, struct lws *wsi);
	int (*ws_start)(struct tb_server *s, struct lws *wsi, void **slot);
	int (*ws_writable)(struct lws *wsi, void *ws);
	void (*ws_closed)(void *ws);
};

struct tb_server {
	const struct tb_face *face;	/* static */
	void *app;			/* the face's own state */
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	char *home;		/* the user's home (--home) */
	char *workdir;		/* cwd of every process (--workdir) */
	char *socket_dir;
	char *state_dir;	/* private: session FIFOs and scripts */
	char *shell;		/* bash if present, else sh */
	struct tb_roots roots;	/* where file endpoints may go */
	struct tb_session *sessions;	/* the Daytona toolbox's */
	struct tb_child *children;
	struct tb_kill *kills;	/* SIGKILLs still to send */
	unsigned long next_id;
	bool stopping;
};

/* --- fd watches --------------------------------------------------------- */

/* Return 0 to keep watching, -1 to close the watch. */
typedef int (*tb_watch_fn)(struct tb_watch *w, int fd, void *arg);
typedef void (*tb_watch_close_fn)(struct tb_watch *w, void *arg);

/*
 * Watch fd (made non-blocking) for input, and for output space after
 * tb_watch_want_write().  on_write and on_close may be NULL.  NULL (and
 * fd closed) when lws cannot adopt it.
 */
struct tb_watch *tb_watch_new(struct tb_server *s, int fd, tb_watch_fn on_read,
			      tb_watch_fn on_write, tb_watch_close_fn on_close,
			      void *arg);
void tb_watch_want_write(struct tb_watch *w);
/*
 * Write what q holds to the watched fd (an on_write callback's body):
 * 0 when it is all out or the pipe is full (POLLOUT is asked for then),
 * -1 when the reader is gone.  Written bytes leave q.
 */
int tb_watch_flush(struct tb_watch *w, int fd, struct rv_buf *q);
/* Close soon; no callback but on_close runs after this. */
void tb_watch_close(struct tb_watch *w);
int tb_watch_fd(const struct tb_watch *w);

/* --- child processes ---------------------------------------------------- */

/* status as from waitpid() */
typedef void (*tb_child_fn)(void *arg, pid_t pid, int status);

void tb_child_track(struct tb_server *s, pid_t pid, tb_child_fn fn, void *arg);
/* Forget pid: its exit will be reaped silently. */
void tb_child_untrack(struct tb_server *s, pid_t pid);
/*
 * SIGKILL the process group of every tracked child, and send the
 * SIGKILLs tb_kill_tree() still had pending (shutdown).
 */
void tb_children_kill(struct tb_server *s);
/* Reap every exited child and run the callbacks (on SIGCHLD). */
void tb_child_reap(struct tb_server *s);

/* The exit code the daemon reports: the status, or -1 after a signal. */
int tb_exit_code(int status);

struct tb_spawn {
	char *const *argv;	/* argv[0] is an absolute path */
	char *const *envp;	/* NULL: the daemon's environment */
	const char *cwd;	/* NULL: the daemon's cwd */
	int fd_in, fd_out, fd_err;	/* become 0, 1, 2 */
};

/*
 * Start a process in a new process group (its pgid is its pid) with
 * default signal handling.  RV_ERR_CHILD when it cannot start, with a
 * message like "chdir /x: no such file or directory".
 */
enum rv_code tb_spawn(const struct tb_spawn *sp, pid_t *pid,
		      struct rv_err *err);

/*
 * SIGTERM the process group of pid and every descendant of pid (also
 * those that left the group), then SIGKILL them grace_ms later.
 */
void tb_kill_tree(struct tb_server *s, pid_t pid, unsigned grace_ms);

/*
 * "K=V" strings (NULL-terminated, malloc'ed; free with tb_env_free) from
 * a JSON object of strings (NULL or null: none); NULL with why when a
 * key is not a variable name or a value not a string.
 */
char **tb_env_from_json(const json_t *envs, char *why, size_t size);

/*
 * The environment of the daemon with overrides ("K=V", NULL-terminated,
 * malloc'ed; free with tb_env_free).
 */
char **tb_env_merge(char *const *overrides);
void tb_env_free(char **env);

/* --- the daemon (toolbox_daemon.c) ------------------------------------- */

/*
 * Parse "--socket-dir DIR [--home DIR] [--workdir DIR]" (argv[0] is the
 * sub-command), listen on DIR/<face socket> and DIR/forward.sock, write
 * DIR/ready, serve until SIGTERM/SIGINT/SIGHUP, kill every child and
 * return the exit status.
 */
int tb_daemon_main(const struct tb_face *face, const char *default_home,
		   int argc, char **argv);

#endif
