/*
 * lite_box: one sandbox's processes and files (bubblewrap).
 *
 * A sandbox is a bwrap process tree in new user, pid, mount, network,
 * ipc and uts namespaces, running a daemon (struct lite_box_daemon: the
 * toolbox of daytona-lite, the envd of e2b-lite) as uid 1000 inside.
 * Host system directories are mounted read-only; the user's home and
 * /tmp are per-sandbox directories under DIR/<id>/ ({home,tmp}).  The
 * server reaches the daemon through DIR/<id>/sock/<daemon socket> and
 * forward.sock: sockets the server binds itself in a directory the
 * sandbox neither sees nor can write, whose listening descriptors the
 * daemon inherits.  When the server runs as root, each sandbox runs as unprivileged host ids of its own (struct
 * lite_box_limits), so host files it can see are only those any local
 * user can read, and, where the host has cgroup v1 hierarchies, in a
 * cgroup bounding its processes, memory and CPU (lite_cgroup.h): one
 * sandbox cannot use up another's.
 *
 * Killing pid 1 of the sandbox's pid namespace ends every process in it;
 * nothing is mounted on the host, so removing DIR/<id> leaves nothing.
 *
 * Every call blocks (spawning, waiting, removing trees): call them from
 * worker threads.  All functions are thread-safe.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_BOX_H
#define RUNEVAL_PROVIDERS_LITE_LITE_BOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lite_cgroup.h"
#include "lite_net.h"
#include "rv_err.h"

/*
 * The daemon a server runs in each of its sandboxes: a copy of the
 * server's own program, started as "/opt/<prog>/<prog> <cmd>
 * --toolbox-fd 5 --forward-fd 6 --ready-fd 7 --home <home> --workdir
 * <home>" by uid 1000, named user: it serves its API on descriptor 5
 * (bound to <socket>), port forwarding on 6 (forward.sock), and writes a
 * line on 7 once it serves.
 */
struct lite_box_daemon {
	const char *prog;	/* "daytona-lite": /opt/<prog>/<prog> */
	const char *cmd;	/* "toolbox": the daemon's sub-command */
	const char *socket;	/* "toolbox.sock": its API, in DIR/<id>/sock */
	const char *user;	/* "daytona": the name of uid 1000 */
	const char *home;	/* "/home/daytona": its home and work dir */
	const char *id_env;	/* "DAYTONA_SANDBOX_ID": set to the id */
	const char *const *env;	/* more "K=V" every sandbox gets, or NULL */
};

/* How sandboxes are made on this host (from the configuration). */
struct lite_box_opts {
	const char *bwrap;	/* bubblewrap binary, NULL = search PATH */
	uid_t uid;		/* as root: sandbox k runs as uid + k */
	gid_t gid;		/* and gid..gid+uids-1, one of each apiece */
	unsigned uids;
	long pids;		/* processes (and threads) per sandbox */
	long start_timeout_ms;
	const char *slirp;	/* slirp4netns, NULL = search PATH */
	bool net_host_only;	/* allow-lists open this host only */
};

struct lite_box_host {
	const struct lite_box_daemon *daemon;	/* static */
	char *bwrap;		/* bubblewrap binary */
	char *dir;		/* sandboxes live in dir/<id>/ */
	char *exe;		/* a copy of this program: the daemon */
	char *passwd;		/* the sandboxes' /etc/passwd and group */
	char *group;
	bool drop_ids;		/* root: bwrap runs as a sandbox's ids */
	uid_t uid;		/* the first of the sandboxes' ids */
	gid_t gid;
	unsigned uids;
	long pids;
	long start_timeout_ms;
	char *slirp;		/* slirp4netns, or NULL: not installed */
	bool net_host_only;	/* see lite_net.h */
	struct lite_cgroups cg;	/* as root: one cgroup per sandbox */
};

/*
 * A sandbox's budget: its own host ids (as root; see
 * lite_box_pick_ids()) and the resources its record asks for.
 */
struct lite_box_limits {
	long uid, gid;		/* -1: not root, the server's own */
	int cpu;		/* CPUs; 0 = no limit */
	int memory;		/* GiB; 0 = no limit */
};

/* The processes of a running sandbox. */
struct lite_box_proc {
	pid_t bwrap_pid;	/* our child, outside the namespaces */
	uint64_t bwrap_start;	/* start time, to tell a reused pid */
	pid_t init_pid;		/* pid 1 of the sandbox, seen from here */
	uint64_t init_start;
	struct lite_net_proc net;	/* its network, when allow-listed */
};

/*
 * Set up h to run daemon d (static): find bwrap and copy our binary,
 * write the sandbox passwd/group files under etc_dir, find the cgroup
 * hierarchies (as root).  Release with lite_box_host_release().
 */
enum rv_code lite_box_host_init(struct lite_box_host *h,
				const struct lite_box_daemon *d,
				const char *dir, const char *etc_dir,
				const struct lite_box_opts *o,
				struct rv_err *err);
void lite_box_host_release(struct lite_box_host *h);

/*
 * The first of h's uids that used(uid, arg) says no sandbox holds and
 * that no process of this host runs as (another server's sandbox), and
 * its gid, into lim (-1 when not root); false when every one is taken.
 */
bool lite_box_pick_ids(const struct lite_box_host *h,
		       bool (*used)(long uid, void *arg), void *arg,
		       struct lite_box_limits *lim);

/* "<dir>/<id>/<leaf>", malloc'ed. */
char *lite_box_path(const struct lite_box_host *h, const char *id,
		    const char *leaf);

/*
 * Start the sandbox id with environment env (object of strings, may be
 * NULL) within lim, with egress to what net allows (NULL or empty:
 * none; see lite_net.h), and wait until its daemon is ready (within
 * start_timeout_ms, or until *cancel is set).  Creates its directories
 * on first use.  *applied gets what was enforced, as the sandbox record
 * shows it: {"uid", "pids", "cpu", "memory", "notes"} (a new reference;
 * null for a limit not applied, notes say why).  On failure nothing is
 * left running and err says why (with the tail of the sandbox's log when
 * it exited).
 */
enum rv_code lite_box_start(const struct lite_box_host *h, const char *id,
			    const json_t *env,
			    const struct lite_box_limits *lim,
			    const struct lite_net_allow *net,
			    struct lite_box_proc *out, json_t **applied,
			    const volatile int *cancel, struct rv_err *err);

/*
 * End every process of the sandbox (its network too) and wait until
 * they are gone (a few seconds at most), then remove its cgroups.  own_child: bwrap_pid is
 * our child, reap it.
 */
void lite_box_kill(const struct lite_box_host *h, const char *id,
		   const struct lite_box_proc *p, bool own_child);

/*
 * Where the server connects to reach the daemon (forward: the port
 * forwarder), malloc'ed: "<dir>/<id>/sock/{<socket>,forward.sock}".
 */
char *lite_box_socket(const struct lite_box_host *h, const char *id,
		      bool forward);

/* Does the sandbox's daemon answer an HTTP request within timeout_ms? */
bool lite_box_toolbox_ok(const struct lite_box_host *h, const char *id,
			 int timeout_ms);

/* Is the sandbox's pid 1 still the process we started? */
bool lite_box_alive(const struct lite_box_proc *p);

/*
 * Reap bwrap if it has exited (own children only); true when it has, with
 * its wait status in *status.
 */
bool lite_box_reaped(const struct lite_box_proc *p, int *status);

/* Remove dir/<id> and everything below it, never following a link. */
enum rv_code lite_box_remove(const struct lite_box_host *h, const char *id,
			     struct rv_err *err);

/* Start time of pid (clock ticks since boot), or 0 when there is none. */
uint64_t lite_proc_start_time(pid_t pid);

/*
 * fork(): in the parent *pid and *start are the child's (pid and start
 * time), in the child *pid is 0; RV_ERR_CHILD when there is no child.
 */
enum rv_code lite_fork(pid_t *pid, uint64_t *start, struct rv_err *err);

/* Is name a valid environment variable name? */
bool lite_env_name_ok(const char *name);

#endif
