/*
 * bwrap: the `bwrap` provider, a bubblewrap sandbox on this host with no
 * server in between (`--provider bwrap`, `--bwrap`, `--local --isolate`).
 *
 * Each sandbox is one of the sandbox engine's (providers/lite/lite_box.h,
 * the same as daytona-lite's): new user, pid, mount, network, ipc, uts
 * and cgroup namespaces; /usr, /etc and the top-level links read-only
 * from the host; a private /home/daytona and /tmp; a network of its own
 * with only loopback, so nothing on this host reaches its ports but the
 * preview.  As root each sandbox runs as host ids of its own (from
 * 1910000000; a lock file per id keeps concurrent runevals apart) with
 * RLIMIT_NPROC and, where the host has cgroup v1 hierarchies, a cgroup
 * bounding its processes (1024), memory (1 GiB) and CPU (1).  Its pid 1
 * is the engine's toolbox daemon, from the daytona-lite binary next to
 * runeval (else in PATH); of it this provider uses the port forwarder.
 *
 * It is a remote provider (PROVIDER_CAP_REMOTE): the app is uploaded
 * into the sandbox, so the `sandbox` mode brings it up through the same
 * phases as on Daytona (provision, upload, install, start, preview,
 * health) and the app can neither see nor change the host's copy.
 * Commands (exec, start_process, the upload's unpack) are host processes
 * that enter the sandbox (lite_box_enter(): its namespaces, root,
 * cgroups, uid 1000, no capabilities) and are watched like the `process`
 * provider's (process_run.h): live redacted logs, exit codes, process
 * groups.  preview is a relay on 127.0.0.1 (bwrap_relay.h).
 *
 * Records: <state>/bwrap/<id>/box.json (state: rv_state_dir()) names the
 * sandbox, its job and its processes, so that list/attach (and `runeval
 * reap`) find what a killed run left.  RUNEVAL_BWRAP names another
 * bubblewrap binary.
 */
#ifndef RUNEVAL_PROVIDERS_BWRAP_BWRAP_H
#define RUNEVAL_PROVIDERS_BWRAP_BWRAP_H

#include "provider.h"

extern const struct provider_ops provider_bwrap;

/* Where the records of bwrap sandboxes are (malloc'ed). */
char *bwrap_state_root(void);

#endif
