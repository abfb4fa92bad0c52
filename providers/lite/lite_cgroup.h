/*
 * lite_cgroup: one cgroup per sandbox, for its process, memory and CPU
 * budget (cgroup v1: the "pids", "memory" and "cpu" hierarchies).
 *
 * The server's own cgroup in each hierarchy (from /proc/self/cgroup and
 * /proc/self/mountinfo) gets a child "<program>-<hash of the state
 * directory>" (daytona-lite-..., e2b-lite-...), and each sandbox a child
 * of that named by its id, made
 * before the sandbox starts and removed once its processes are gone.  A
 * controller that is missing (no v1 hierarchy for it, as on a cgroup v2
 * host, or a read-only cgroup file system) is skipped, and the reason is
 * kept for the sandbox record.
 *
 * Thread-safe after lite_cgroups_init(): the struct is only read.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_CGROUP_H
#define RUNEVAL_PROVIDERS_LITE_LITE_CGROUP_H

#include <stdbool.h>
#include <stdint.h>

enum lite_cg_ctl { LITE_CG_PIDS, LITE_CG_MEMORY, LITE_CG_CPU, LITE_CG_N };

struct lite_cgroups {
	char *dir[LITE_CG_N];	/* the server's parent, or NULL */
	char *why[LITE_CG_N];	/* why dir is NULL */
};

/* What a sandbox asks for; 0 = no limit of that kind. */
struct lite_cg_limits {
	long pids;		/* processes and threads */
	uint64_t memory;	/* bytes */
	long cpu_millis;	/* thousandths of a CPU */
};

/*
 * Find the hierarchies and make the server's parents.  Never fails:
 * what cannot be used is left NULL with its reason.  Only for root.
 */
void lite_cgroups_init(struct lite_cgroups *cg, const char *prog,
		       const char *state_dir);
/* Free cg; remove the parents when they are empty (at shutdown). */
void lite_cgroups_release(struct lite_cgroups *cg, bool remove);

/*
 * Make sandbox id's cgroups (replacing stale ones) with limits, and open
 * the file that moves a process into each: fds[i] (close-on-exec; -1 for
 * a controller not used).  A child joins them all by writing "0" to each
 * (lite_cgroups_join).  applied[i] says which limits were set; a failure
 * to set one is appended to notes (a '; '-separated text, malloc'ed).
 */
void lite_cgroups_create(const struct lite_cgroups *cg, const char *id,
			 const struct lite_cg_limits *lim, int fds[LITE_CG_N],
			 bool applied[LITE_CG_N], char **notes);

/* In a forked child: join the cgroups of fds.  Async-signal-safe. */
int lite_cgroups_join(const int fds[LITE_CG_N]);

/*
 * Remove sandbox id's cgroups, killing what still runs in them, and
 * waiting a little for exiting processes.  Blocking.
 */
void lite_cgroups_remove(const struct lite_cgroups *cg, const char *id);

/*
 * Remove every sandbox cgroup for which keep(id, arg) is false (after a
 * restart: those of sandboxes that are not running any more).
 */
void lite_cgroups_prune(const struct lite_cgroups *cg,
			bool (*keep)(const char *id, void *arg), void *arg);

/* Append a formatted note to *notes ("a; b"; malloc'ed, may be NULL). */
void lite_cgroups_note(char **notes, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The controller's name ("pids", "memory", "cpu"). */
const char *lite_cg_name(enum lite_cg_ctl c);

#endif
