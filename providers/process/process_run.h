/*
 * process_run: host processes that a provider starts and watches, shared
 * by the `process` provider (this host as it is) and `bwrap` (the same
 * processes entered into a bubblewrap sandbox's namespaces).
 *
 * A command is forked into its own process group with stdin from
 * /dev/null (or spec->in_fd), stdout+stderr to a pipe, default signals,
 * PR_SET_PDEATHSIG and no inherited descriptor but 0-2.  The exec is
 * confirmed through a close-on-exec pipe, so a missing program or cwd is
 * an error of the start, not an exit status later.  A background
 * process's output goes to its log through the redacting pump
 * (process_log.h).  Stop sends SIGTERM to the group, waits up to the
 * grace period, then SIGKILLs it.
 *
 * Ownership: a struct process_set owns its procs; process_set_free()
 * kills what still runs and frees them.  Not thread-safe: one sandbox's
 * calls come from one thread at a time.
 */
#ifndef RUNEVAL_PROVIDERS_PROCESS_PROCESS_RUN_H
#define RUNEVAL_PROVIDERS_PROCESS_PROCESS_RUN_H

#include <stdbool.h>
#include <sys/types.h>

#include "provider.h"

/* How the commands of one provider are run. */
struct process_spec {
	/* "K=V" the child starts from; NULL: runeval's own environment
	   (none with cmd->clear_env).  cfg->env, then cmd->env, are set
	   on top (later entries win). */
	const char *const *base_env;
	/* MAY: in the forked child, after its descriptors are set and just
	   before cwd and exec; only async-signal-safe calls.  0, or -1
	   with errno set (the start then fails with that reason). */
	int (*enter)(void *arg);
	void *enter_arg;
	int in_fd;			/* the child's stdin; -1 = /dev/null */
};

#define PROCESS_SPEC_INIT { NULL, NULL, NULL, -1 }

/* The background processes one sandbox started. */
struct process_set {
	struct provider_proc *head;
};

/* Start cmd in the background (log: cmd->log_path, appended). */
enum rv_code process_run_start(struct process_set *set,
			       const struct provider_config *cfg,
			       const struct process_spec *spec,
			       const struct provider_cmd *cmd,
			       struct provider_proc **out, struct rv_err *err);

/*
 * Run cmd to completion: output into res (capped at 1 MiB), exit code
 * (128 + signal).  RV_ERR_TIMEOUT after cmd->timeout_ms, RV_ERR_INTR
 * when *cfg->cancel is raised; the group is killed either way.
 */
enum rv_code process_run_exec(const struct provider_config *cfg,
			      const struct process_spec *spec,
			      const struct provider_cmd *cmd,
			      struct provider_exec_result *res,
			      struct rv_err *err);

void process_proc_status(struct provider_proc *p,
			 struct provider_proc_status *st);
enum rv_code process_proc_logs(struct provider_proc *p, size_t max_bytes,
			       struct rv_buf *out, struct rv_err *err);
enum rv_code process_proc_stop(struct provider_proc *p, long grace_ms,
			       struct rv_err *err);
/* The group id (the leader's pid) of p. */
pid_t process_proc_pgid(const struct provider_proc *p);

/* Stop every process of set (grace each); the first failure is kept. */
enum rv_code process_set_stop(struct process_set *set, long grace_ms,
			      struct rv_err *err);
/* Kill what still runs, stop the log pumps, free every proc. */
void process_set_free(struct process_set *set);

#endif
