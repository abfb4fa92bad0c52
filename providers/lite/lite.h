/*
 * lite: the state one offline server (daytona-lite, e2b-lite) shares
 * between its parts, the face that makes it one or the other, and the
 * sandbox lifecycle (lite_life_*).
 *
 * One engine, two API faces: the store, the lifecycle, the sandboxes
 * (lite_box), the HTTP front and its relay are the same for both
 * servers; a struct lite_face says which API the front speaks (its
 * routes, its error shape, its answers to parked requests) and which
 * daemon runs in each sandbox.
 *
 * The server thread (lite_server) answers HTTP; worker threads
 * (lite_jobs) run the blocking transitions: start, stop, destroy.  A
 * transition is begun on the server thread with the store locked: it
 * moves the sandbox to its transitional state, marks it busy and queues
 * a job; the job moves it on, clears busy and calls l->wake() so that
 * requests waiting for the outcome are answered.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_H
#define RUNEVAL_PROVIDERS_LITE_LITE_H

#include <pthread.h>
#include <stdint.h>

#include "lite_box.h"
#include "lite_conf.h"
#include "lite_store.h"

struct lite;
struct lite_jobs;
struct lite_conn;
struct lite_header;
struct lite_api_resp;

/* What makes a server daytona-lite or e2b-lite.  All MUST be set. */
struct lite_face {
	const char *name;		/* "daytona-lite": logs, Server header */
	const struct lite_box_daemon *daemon;	/* runs in every sandbox */
	const char *api_path;		/* "/api": the API below the URL */
	/* A request head was read (and no injected fault answered it):
	   answer it (lite_conn_respond, lite_conn_api_begin) or relay it
	   (lite_relay_begin).  Server thread. */
	void (*route)(struct lite_conn *c);
	/* The JSON body of an error answer (malloc'ed). */
	char *(*error_body)(const char *path, int status, const char *msg);
	/* A parked answer is due (sb NULL: the sandbox is gone; store
	   locked): fill resp->status and resp->body. */
	void (*answer)(struct lite *l, struct lite_sandbox *sb,
		       struct lite_api_resp *resp);
	/* The value header h of c's request is relayed into the sandbox
	   with: h->value, a new one (malloc'ed, in *owned), or NULL to
	   drop it (a credential of the server's).  Hop-by-hop headers are
	   dropped before this is asked, a value that still holds a secret
	   after it. */
	const char *(*relay_header)(const struct lite_conn *c,
				    const struct lite_header *h,
				    char **owned);
};

struct lite {
	const struct lite_face *face;	/* static */
	struct lite_conf *conf;		/* borrowed */
	struct lite_store *store;
	struct lite_box_host box;
	struct lite_jobs *jobs;
	char *state_dir;		/* absolute */
	int port;			/* the port actually served */
	char *base_url;			/* http(s)://127.0.0.1:PORT */
	char *api_url;			/* base_url + face->api_path */
	char *toolbox_url;		/* base_url + /toolbox */
	volatile int cancel;		/* shutting down: abort starts */
	void (*wake)(void *arg);	/* nudge the server thread */
	void *wake_arg;
	pthread_mutex_t wake_lock;	/* guards wake, wake_arg */
};

/*
 * Open the state directory (records in DIR/sandboxes) and take its lock,
 * so that two servers never share one.  face must be static.
 */
enum rv_code lite_open(struct lite *l, const struct lite_face *face,
		       struct lite_conf *conf, struct rv_err *err);
/* Set the served port and the URLs derived from it. */
void lite_set_port(struct lite *l, int port);
/* Free everything lite_open() made (sandboxes are not touched). */
void lite_close(struct lite *l);
/* A descriptor of the state directory's lock that keeps it held past
   lite_close() until closed, or -1. */
int lite_lock_dup(void);

/*
 * Tell the server thread that a sandbox changed (any thread).  Setting
 * l->wake takes l->wake_lock, so no call runs once it is NULL.
 */
void lite_wake(struct lite *l);
void lite_set_wake(struct lite *l, void (*wake)(void *), void *arg);

/*
 * The URL of port in sandbox id: "http://{port}-{id}.{domain}:{PORT}"
 * (https:// under TLS; malloc'ed).
 */
char *lite_preview_url(const struct lite *l, const char *id, int port);

/*
 * Take a new sandbox (store locked): refuse it (403, why) when the
 * server holds --max-sandboxes already, else draw its injected faults,
 * add it to the store and start it.  false when refused (sb is still
 * the caller's).
 */
bool lite_life_admit(struct lite *l, struct lite_sandbox *sb, char *why,
		     size_t size);

/*
 * Transitions (store locked, sb not busy).  Each returns at once; the
 * outcome shows in sb->state once sb->busy is false again.  A start
 * whose sandbox is meanwhile wanted destroyed (sb->desired) destroys it
 * once it is over.
 */
void lite_life_start(struct lite *l, struct lite_sandbox *sb);
void lite_life_stop(struct lite *l, struct lite_sandbox *sb);
void lite_life_destroy(struct lite *l, struct lite_sandbox *sb);

/* Set sb's processes (store locked; NULL: none). */
void lite_sandbox_set_proc(struct lite_sandbox *sb,
			   const struct lite_box_proc *p, bool own);

/* Record activity on sb (store locked): delays its auto-stop. */
void lite_life_touch(struct lite_sandbox *sb);

/*
 * Periodic work (server thread, store unlocked): notice sandboxes whose
 * processes died, destroy those past their end (end_ns), apply
 * auto-stop, auto-archive and auto-delete, save activity.
 */
void lite_life_tick(struct lite *l);

/* How often lite_life_tick() should run, in ms. */
long lite_life_tick_ms(const struct lite *l);

/*
 * After a restart, before serving: keep sandboxes whose processes still
 * run, mark those that died as error, finish interrupted destroys, and
 * remove anything left behind.  Blocking.
 */
void lite_life_recover(struct lite *l);

/* Shutting down: destroy every sandbox and wait for it.  Blocking. */
void lite_life_destroy_all(struct lite *l);

/*
 * No key given on the command line or in the environment: use the one
 * saved in STATE_DIR/api-key, or make a random one and save it (0600).
 */
enum rv_code lite_default_key(struct lite *l, struct rv_err *err);

/*
 * Serve with face until a signal (argv: the program's): the shared
 * main() of daytona-lite and e2b-lite after their sub-commands.
 */
int lite_main(const struct lite_face *face, const struct lite_conf_spec *spec,
	      int argc, char **argv);

#endif
