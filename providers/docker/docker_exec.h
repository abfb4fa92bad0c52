/*
 * docker_exec: commands in a running container through the exec API.
 *
 * docker_exec_run() runs one to completion: POST /containers/{id}/exec,
 * then POST /exec/{id}/start, whose answer is the command's multiplexed
 * stdout and stderr until it ends, then GET /exec/{id}/json for its exit
 * code.
 *
 * docker_exec_spawn() starts one in the background: the start request is
 * made by a thread of its own that follows the output into a local file
 * (redacted, line by line: remote_log) until the command ends.  Every
 * command runs as `/bin/sh -c 'echo $$ >PIDFILE; exec ...'`: an exec'd
 * process leads its own process group, so the pid in PIDFILE names the
 * group that docker_exec_kill() signals (Docker has no call that stops
 * an exec).  The image therefore needs /bin/sh.
 *
 * Errors are those of docker_api.h; a command that exits non-zero is
 * not an error.
 */
#ifndef RUNEVAL_PROVIDERS_DOCKER_DOCKER_EXEC_H
#define RUNEVAL_PROVIDERS_DOCKER_DOCKER_EXEC_H

#include <stdbool.h>

#include "docker_api.h"
#include "provider.h"

/* Output kept by docker_exec_run(): the last 1 MiB. */
#define DOCKER_EXEC_OUTPUT_MAX (1u << 20)

/*
 * Run cmd (argv, else cmd->shell with /bin/sh -c) in container id with
 * cmd->env and cmd->cwd.  cmd->timeout_ms > 0: after that its process
 * group is killed and RV_ERR_TIMEOUT returned.  out gets stdout and
 * stderr in arrival order (the last DOCKER_EXEC_OUTPUT_MAX bytes).
 */
enum rv_code docker_exec_run(struct docker_client *c, const char *id,
			     const struct provider_cmd *cmd,
			     const struct remote_call *call, int *exit_code,
			     struct rv_buf *out, struct rv_err *err);

/* A command started in the background. */
struct docker_spawn;

/*
 * Start cmd->shell (with cmd->env, in cmd->cwd) in container id; its
 * output goes to cmd->log_path (NULL: dropped).  Returns once the
 * process runs (the engine reports its pid) or has already ended.
 */
enum rv_code docker_exec_spawn(struct docker_client *c, const char *id,
			       const struct provider_cmd *cmd,
			       const struct remote_call *call,
			       struct docker_spawn **out, struct rv_err *err);

/* Is it still running; when not, its exit code (-1: unknown). */
enum rv_code docker_exec_status(struct docker_client *c,
				struct docker_spawn *s,
				const struct remote_call *call, bool *running,
				int *exit_code, struct rv_err *err);

/*
 * SIGTERM to its process group, up to grace_ms for it to end, then
 * SIGKILL; then the output is followed to its end.  Idempotent.
 */
enum rv_code docker_exec_kill(struct docker_client *c, const char *id,
			      struct docker_spawn *s, long grace_ms,
			      const struct remote_call *call,
			      struct rv_err *err);

/*
 * The container's main process instead of an exec (a container created
 * but not started: provider_config.defer_start).  docker_boot_script()
 * is the script its PID 1 runs when it is at file (put in before the
 * start): it deletes itself, goes to cmd->cwd, exports cmd->env, runs
 * the command (argv, else cmd->shell with /bin/sh -c) as its child, and
 * exits with its status; SIGTERM or SIGINT to it goes to the whole
 * group once.  Malloc'ed, *len its length.
 *
 * docker_boot_spawn() makes the handle (the log file opened: a failure
 * comes before the start); the caller starts the container, then
 * docker_boot_follow() follows its output (GET /containers/{id}/logs)
 * into the log.  Status is the container's (its exit code); kill sends
 * SIGTERM to it (POST /kill), waits up to grace_ms, then SIGKILL.
 */
/* What a container's PID 1 prints first when it cannot unpack its stdin
   (docker.c's entrypoint), and whether a main process's output began
   with it. */
#define DOCKER_NO_TAR_LINE "runeval: no tar in the image: waiting for the "\
	"app to be put in"
bool docker_spawn_no_tar(struct docker_spawn *s);

char *docker_boot_script(const struct provider_cmd *cmd, const char *file,
			 size_t *len);
enum rv_code docker_boot_spawn(struct docker_client *c, const char *id,
			       const struct provider_cmd *cmd,
			       struct docker_spawn **out, struct rv_err *err);
void docker_boot_follow(struct docker_spawn *s);

/* The container is gone: stop following (no remote calls). */
void docker_spawn_gone(struct docker_spawn *s);

/* The local log file, or NULL (borrowed). */
const char *docker_spawn_log_path(const struct docker_spawn *s);

/* Its last max bytes, as rv_redact_stream_read_tail(); 0 with no log. */
long long docker_spawn_log_tail(struct docker_spawn *s, size_t max,
				struct rv_buf *out);

/*
 * Stop following (the container is gone or going) and free.  No remote
 * calls; NULL is fine.
 */
void docker_spawn_free(struct docker_spawn *s);

#endif
