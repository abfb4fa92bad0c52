/*
 * process: the `process` provider, which runs task apps on this host.
 *
 * The "sandbox" is this machine (create is instant, destroy stops every
 * process it started).  start_process forks the command into its own
 * process group with stdin from /dev/null, stdout+stderr appended to
 * cmd->log_path through a pipe and a thread that redacts registered
 * secrets (and their prefixes, see rv_redact.h) on the way, and no other
 * inherited descriptor; stop_process sends SIGTERM to the group, waits up to
 * the grace period, then SIGKILLs it.  The children also get
 * PR_SET_PDEATHSIG, so a runeval killed with SIGKILL does not leave its
 * task app running.  preview is http://127.0.0.1:PORT with no headers.
 */
#ifndef RUNEVAL_PROVIDERS_PROCESS_H
#define RUNEVAL_PROVIDERS_PROCESS_H

#include <stdbool.h>

#include "provider.h"

extern const struct provider_ops provider_process;

/* Default SIGTERM-to-SIGKILL grace used by destroy. */
#define PROCESS_STOP_GRACE_MS 3000

/*
 * Does something accept TCP connections on 127.0.0.1:port (or [::1])?
 * The check that keeps runeval off someone else's server.
 */
bool process_port_in_use(int port);

/* A TCP port that is free on 127.0.0.1 now (bound, then released), or -1. */
int process_free_port(void);

/*
 * Is the socket listening on TCP port held by a process of p's group?
 * (Matched through /proc/net/tcp{,6} inodes and /proc/PID/fd.)  true
 * when it cannot tell (no /proc), so only a certain "no" is false.
 */
bool process_owns_port(struct provider_sandbox *sb, struct provider_proc *p,
		       int port);

/* The same for process group pgid (its leader's tree, then the group). */
bool process_group_owns_port(pid_t pgid, int port);

#endif
