/*
 * lite_store: an offline server's sandbox records, in memory and on disk.
 *
 * One struct lite_sandbox per sandbox, kept in a list guarded by one
 * mutex: every read or write of a sandbox's fields happens between
 * lite_store_lock() and lite_store_unlock(), from any thread.  A pointer
 * to a sandbox stays valid while the lock is held, and also, without the
 * lock, for the one job that set sb->busy (nobody else frees a busy
 * sandbox).  Each record is saved as DIR/<id>.json (mode 0600: it holds
 * the sandbox's env) and reloaded by lite_store_load() after a restart.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_STORE_H
#define RUNEVAL_PROVIDERS_LITE_LITE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lite_box.h"
#include "rv_err.h"

/*
 * Daytona's SandboxState values: the lifecycle of every lite sandbox
 * (e2b-lite reports "running" for started).
 */
#define LITE_STATE_MAP(X) \
	X(CREATING, "creating") \
	X(STARTING, "starting") \
	X(STARTED, "started") \
	X(STOPPING, "stopping") \
	X(STOPPED, "stopped") \
	X(DESTROYING, "destroying") \
	X(DESTROYED, "destroyed") \
	X(ERROR, "error") \
	X(ARCHIVED, "archived") \
	X(RESTORING, "restoring")

enum lite_state {
#define LITE_STATE_ENUM_(name, text) LITE_##name,
	LITE_STATE_MAP(LITE_STATE_ENUM_)
#undef LITE_STATE_ENUM_
	LITE_STATE_MAX_
};

/* What an injected fault does to a sandbox. */
enum lite_fault_kind {
	LITE_FAULT_NONE,
	LITE_FAULT_ERROR,	/* ends in error while starting */
	LITE_FAULT_STUCK,	/* stays in starting */
};

#define LITE_ID_MAX 40
#define LITE_TOKEN_LEN 32

struct lite_sandbox {
	char id[LITE_ID_MAX];
	char *name;
	char *snapshot;
	char *user;
	char *target;
	json_t *labels;		/* object of strings, owned */
	json_t *env;		/* object of strings, owned */
	json_t *build_info;	/* as given, or NULL */
	json_t *signed_urls;	/* [{token, port, expiresNs}], owned */
	json_t *extra;		/* the face's own fields (object), owned */
	bool is_public;
	int cpu, gpu, memory, disk;
	long auto_stop;		/* minutes; 0 = never */
	long auto_archive;	/* minutes; 0 = the maximum (30 days) */
	long auto_delete;	/* minutes; < 0 never, 0 = when stopped */
	uint64_t end_ns;	/* wall clock: destroyed then; 0 = never */
	uint64_t life_ns;	/* or, once started, end_ns = start + this
				   (a slow start does not eat it); 0 = no */
	uint64_t created_ns;	/* wall clock, ns since the epoch */
	uint64_t updated_ns;
	uint64_t activity_ns;
	uint64_t since_ns;	/* when the current state began */
	enum lite_state state;
	enum lite_state desired;
	char *error_reason;
	char token[LITE_TOKEN_LEN + 1];	/* preview (daytona) or envd access
					   (e2b) token */

	bool net_block_all;	/* networkBlockAll: no egress whatever */
	struct lite_net_allow net_allow;	/* networkAllowList */
	long uid, gid;		/* its own host ids (as root), or -1 */
	json_t *applied;	/* what its last start enforced, or NULL */

	struct lite_box_proc proc;	/* of a running sandbox (0 when none) */
	bool own_child;		/* proc.bwrap_pid is our child: reap it */
	uint64_t started_mono_ns;	/* CLOCK_MONOTONIC at started */

	enum lite_fault_kind fault;
	bool busy;		/* a job owns a transition */
	bool dirty;		/* activity not yet saved */
	struct lite_sandbox *next;
};

struct lite_store;

/* A store saving records under dir (created 0700 if missing). */
struct lite_store *lite_store_new(const char *dir, struct rv_err *err);
/* Free the store and every record (no process is touched). */
void lite_store_free(struct lite_store *s);

void lite_store_lock(struct lite_store *s);
void lite_store_unlock(struct lite_store *s);

/* First record of the list (locked); iterate with ->next. */
struct lite_sandbox *lite_store_first(struct lite_store *s);
unsigned lite_store_count(struct lite_store *s);

/* By id, else by name (locked); NULL when unknown. */
struct lite_sandbox *lite_store_find(struct lite_store *s,
				     const char *id_or_name);

/*
 * The sandbox a signed preview token opens on port (locked), or NULL
 * when the token is unknown, for another port, or expired.
 */
struct lite_sandbox *lite_store_find_signed(struct lite_store *s,
					    const char *token, int port);

/* Take sb into the list (locked). */
void lite_store_add(struct lite_store *s, struct lite_sandbox *sb);

/* Unlink sb from the list, delete its file and free it (locked). */
void lite_store_remove(struct lite_store *s, struct lite_sandbox *sb);

/* Write sb's record (locked).  Errors are logged, not returned. */
void lite_store_save(struct lite_store *s, struct lite_sandbox *sb);

/* Load every DIR/<id>.json written by an earlier run (at startup). */
enum rv_code lite_store_load(struct lite_store *s, struct rv_err *err);

/* A new record with Daytona's defaults and a fresh id (not in a list). */
struct lite_sandbox *lite_sandbox_new(void);
void lite_sandbox_free(struct lite_sandbox *sb);

/* Move sb to state (locked): stamps since/updated and saves. */
void lite_sandbox_set_state(struct lite_store *s, struct lite_sandbox *sb,
			    enum lite_state state, const char *error_reason);

const char *lite_state_name(enum lite_state st);
/* -1 when name is not a state. */
int lite_state_parse(const char *name);

#endif
