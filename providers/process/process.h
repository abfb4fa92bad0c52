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
#ifndef RUNEVAL_PROVIDERS_PROCESS_PROCESS_H
#define RUNEVAL_PROVIDERS_PROCESS_PROCESS_H

#include <stdbool.h>

#include "provider.h"

extern const struct provider_ops provider_process;

/* Default SIGTERM-to-SIGKILL grace used by destroy. */
#define PROCESS_STOP_GRACE_MS 3000

/*
 * Is the socket listening on TCP port held by a process of group pgid
 * (its leader's tree, then the group)?  Matched through sock_diag or
 * /proc/net/tcp{,6} inodes and /proc/PID/fd.  true when it cannot tell
 * (no /proc), so only a certain "no" is false.  The provider's owns_port
 * slot.
 */
bool process_group_owns_port(pid_t pgid, int port);

#endif
