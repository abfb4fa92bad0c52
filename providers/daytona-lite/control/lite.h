/*
 * lite: the state one daytona-lite server shares between its parts, and
 * the sandbox lifecycle (lite_life_*).
 *
 * The server thread (lite_server) answers HTTP; worker threads
 * (lite_jobs) run the blocking transitions: start, stop, destroy.  A
 * transition is begun on the server thread with the store locked: it
 * moves the sandbox to its transitional state, marks it busy and queues
 * a job; the job moves it on, clears busy and calls l->wake() so that
 * requests waiting for the outcome are answered.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_LITE_CONTROL_LITE_H
#define RUNEVAL_PROVIDERS_DAYTONA_LITE_CONTROL_LITE_H

#include <pthread.h>
#include <stdint.h>

#include "lite_box.h"
#include "lite_conf.h"
#include "lite_store.h"

struct lite_jobs;

struct lite {
	struct lite_conf *conf;		/* borrowed */
	struct lite_store *store;
	struct lite_box_host box;
	struct lite_jobs *jobs;
	char *state_dir;		/* absolute */
	int port;			/* the port actually served */
	char *api_url;			/* http://127.0.0.1:PORT/api */
	char *toolbox_url;		/* http://127.0.0.1:PORT/toolbox */
	volatile int cancel;		/* shutting down: abort starts */
	void (*wake)(void *arg);	/* nudge the server thread */
	void *wake_arg;
	pthread_mutex_t wake_lock;	/* guards wake, wake_arg */
};

/*
 * Open the state directory (records in DIR/sandboxes) and take its lock,
 * so that two servers never share one.  l->conf must be set.
 */
enum rv_code lite_open(struct lite *l, struct lite_conf *conf,
		       struct rv_err *err);
/* Set the served port and the URLs derived from it. */
void lite_set_port(struct lite *l, int port);
/* Free everything lite_open() made (sandboxes are not touched). */
void lite_close(struct lite *l);

/*
 * Tell the server thread that a sandbox changed (any thread).  Setting
 * l->wake takes l->wake_lock, so no call runs once it is NULL.
 */
void lite_wake(struct lite *l);
void lite_set_wake(struct lite *l, void (*wake)(void *), void *arg);

/* The URLs of sandboxes (malloc'ed). */
char *lite_preview_url(const struct lite *l, const char *id, int port);

/*
 * Transitions (store locked, sb not busy).  Each returns at once; the
 * outcome shows in sb->state once sb->busy is false again.
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
 * processes died, apply auto-stop, auto-archive and auto-delete, save
 * activity.
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

#endif
