/*
 * sandbox_int: what the parent (sandbox.c) prepares for the child side
 * (sandbox_child.c) before fork().
 *
 * The child of a multi-threaded process may only make async-signal-safe
 * calls until it execs, so every path, string and array it needs is built
 * here in advance; the child only issues system calls.  The child reports
 * to the parent through status_w, one struct sbx_record per event.
 */
#ifndef RUNEVAL_TASKAPP_SANDBOX_INT_H
#define RUNEVAL_TASKAPP_SANDBOX_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "sandbox.h"

#define SBX_MAX_BINDS 16
#define SBX_MAX_LINKS 16
#define SBX_MAX_DEVS 6
#define SBX_STREAMS (2 * TASKAPP_SANDBOX_MAX_STEPS)	/* stdout, stderr */
#define SBX_MAX_FDS (SBX_STREAMS + 1)

/* Setup stages, for error reports from the child. */
#define SBX_STAGE_MAP(X) \
	X(IDENTITY, "cannot switch to the sandbox uid") \
	X(UNSHARE, "cannot create namespaces") \
	X(IDMAP, "cannot write the uid/gid map") \
	X(FORK, "cannot fork") \
	X(MOUNT_PRIVATE, "cannot make mounts private") \
	X(MOUNT_ROOT, "cannot mount the sandbox root") \
	X(BIND, "cannot bind-mount a system directory") \
	X(REMOUNT, "cannot remount a directory read-only") \
	X(SYMLINK, "cannot create a symlink") \
	X(WORK, "cannot mount the work directory") \
	X(DEV, "cannot bind a device") \
	X(PIVOT, "cannot pivot into the sandbox root") \
	X(CHDIR, "cannot enter the work directory") \
	X(FILES, "cannot write the input files") \
	X(SIGNALS, "cannot set up signals") \
	X(CONFINE, "cannot confine a step (seccomp, Landlock)")

enum sbx_stage {
	SBX_STAGE_NONE = 0,
#define SBX_STAGE_ENUM_(id, text) SBX_STAGE_##id,
	SBX_STAGE_MAP(SBX_STAGE_ENUM_)
#undef SBX_STAGE_ENUM_
};

enum sbx_record_kind {
	SBX_REC_START = 1,	/* a step started: pid (own ns's view) */
	SBX_REC_STEP,		/* a step finished */
	SBX_REC_SETUP,		/* setup failed: stage, err_no */
};

struct sbx_record {
	int kind;
	int step;
	int end;		/* enum taskapp_sandbox_end */
	int wait_status;
	int stage;
	int err_no;
	int pid;
	uint64_t elapsed_ns;
};

/* What confines each step beyond the mode (sandbox_confine.c). */
struct sbx_confine {
	int seccomp;		/* the filter loads here: no sockets */
	int ll_abi;		/* Landlock ABI usable here, 0: none */
	uint64_t ll_fs;		/* Landlock: handled write accesses */
	uint64_t ll_net;	/* handled TCP accesses (ABI 4) */
	uint64_t ll_scoped;	/* scopes: signals, abstract sockets (ABI 6) */
};

struct sbx_bind {
	const char *src;	/* host path */
	char *dst;		/* path under the new root (host view) */
};

struct sbx_link {
	char *dst;		/* path under the new root (host view) */
	char target[256];
};

struct sbx_plan {
	int use_ns;
	int drop_ids;		/* setres[ug]id to uid/gid first (root) */
	unsigned nproc_base;	/* tasks our uid has anyway (shared uid) */
	uid_t uid;
	gid_t gid;
	char uid_map[64];
	char gid_map[64];
	char *root;		/* ns: the mountpoint; rlimits: the work dir */
	struct sbx_bind binds[SBX_MAX_BINDS];
	int nbinds;
	struct sbx_link links[SBX_MAX_LINKS];
	int nlinks;
	struct sbx_bind devs[SBX_MAX_DEVS];
	int ndevs;
	char *work_dst;		/* root/work */
	char *dev_dir;		/* root/dev */
	char *proc_dst;		/* root/proc */
	char *tmp_dst;		/* root/tmp */
	const struct taskapp_sandbox_file *files;
	int nfiles;
	const struct taskapp_sandbox_step *steps;
	int nsteps;
	struct sbx_confine confine;	/* Landlock in rlimits mode only */
	int out_w[SBX_STREAMS];	/* [2i] step i's stdout, [2i+1] stderr or -1 */
	int status_w;
	char *const *envp;
};

/*
 * The child: never returns.  Runs the steps (in the new namespaces when
 * plan->use_ns) and writes a record per step, or one SBX_REC_SETUP
 * record, to plan->status_w.
 */
_Noreturn void sbx_child_main(const struct sbx_plan *plan);

/*
 * The parent: supervise child pid (its own process group) until it is
 * gone: read each step's output (status_r and out_r[], two per step as
 * in the plan's out_w[], are non-blocking),
 * enforce the job's deadline, cancellation and output limits (killing
 * the group), and fill results[].  Reaps pid.  RV_ERR_INTERNAL when the
 * child reported a setup failure.  Closes the out_r[] it finished with
 * and sets them to -1; the caller closes the rest.
 */
enum rv_code sbx_watch(pid_t pid, int status_r, int *out_r,
		       const struct taskapp_sandbox_job *job,
		       struct taskapp_sandbox_result *results,
		       struct rv_err *err);

/* Text of a setup stage. */
const char *sbx_stage_text(int stage);

/*
 * Find out what confinement works here (forks a probe child; call before
 * threads).  The apply functions are for the child, just before exec:
 * system calls only; -1 with errno when it fails.
 */
void sbx_confine_probe(struct sbx_confine *c);
int sbx_seccomp_apply(void);
/* Writes only beneath work (and /dev/null); c->ll_abi must be > 0. */
int sbx_landlock_apply(const struct sbx_confine *c, const char *work);

/*
 * sandbox_uids.c: the uid range of this task app's sandboxes (as root),
 * SBX_UID_SLOTS uids, one of SBX_UID_RANGES: the first from
 * SBX_UID_BASE_DEFAULT (61000-61063, under systemd's DynamicUser= uids,
 * 61184-65519, and within the 0-65535 that a user namespace often maps),
 * the others from SBX_UID_BASE_MORE (65536-69567: above what systemd
 * gives out below 524288, and below the usual /etc/subuid start, 100000).
 * Another task app on this host must not use the same uids (a uid's
 * process limit counts the processes of both; in the rlimits mode a
 * candidate could read the other's candidates' files), so each claims a
 * range: an exclusive flock(2) on the range's file in SBX_UIDS_DIR, a
 * directory only root may write, held for the life of the process (the
 * descriptor is close-on-exec: no candidate holds it) and released by
 * the kernel however the app ends.  Task apps that do not share /run
 * (one per container) cannot see each other's claims.
 *
 * sbx_uids_claim() returns the first uid of a free range, claimed; when
 * none is free or the directory cannot be used, the first range,
 * unclaimed (it may be shared), with the reason in why (else why is "").
 * Claiming again keeps the range held.  sbx_uids_release() gives it back
 * (when the app runs its candidates as its own uid after all).
 */
#define SBX_UID_BASE_DEFAULT 61000
#define SBX_UID_BASE_MORE 65536
#define SBX_UID_SLOTS 64
#define SBX_UID_RANGES 64
#define SBX_UIDS_DIR "/run/taskapp-sandbox-uids"

unsigned sbx_uids_claim(char *why, size_t why_size);
void sbx_uids_release(void);

#endif
