/*
 * docker: the `docker` provider, task apps in containers on a Docker
 * Engine (docker_api.h, docker_exec.h).
 *
 * create:  POST /containers/create?name=<cfg->name> from cfg->snapshot,
 *          else cfg->image, else DOCKER_DEFAULT_IMAGE (never pulled: a
 *          missing image is RV_ERR_CONFIG naming scripts/docker-image.sh),
 *          labelled runeval.job=<job> (and cfg->labels), with cfg->env,
 *          cfg->cpus and cfg->memory_bytes, PID 1 a shell that sleeps, on
 *          $RUNEVAL_DOCKER_NETWORK (default: the engine's), cfg->app_port
 *          published on 127.0.0.1 (a random host port); then started and
 *          confirmed running.  A failed create removes what it made.
 *          With cfg->defer_start it is only created (stdin open for one
 *          attach), and started by the first operation that needs it:
 *          start_process starts it with the command as its main process
 *          (no exec), the files uploaded before going in on its stdin,
 *          unpacked by its PID 1's tar (docker_attach.h, docker_tar.h).
 * upload:  the bundle, its SHA-256 checked, as a plain tar with every
 *          member renamed below its directory (docker_tar.h), through
 *          one PUT /containers/{id}/archive at '/'; before a deferred
 *          start, kept for it.
 * exec, start_process: the exec API (docker_exec.h); the app's output is
 *          followed into cmd->log_path.
 * preview: http://127.0.0.1:<published port>, else the container's
 *          address on its network; no headers.
 * destroy: DELETE ?force=1&v=1, confirmed by a 404.
 * snapshot: POST /commit (an image labelled with the job); create starts
 *          from it when cfg->snapshot names it; snapshot_delete removes it.
 * list/attach: containers and snapshot images labelled runeval.job.
 *
 * The engine is DOCKER_HOST (unix:///path; default /var/run/docker.sock),
 * or cfg->api_url when set (the journal keeps it).  Every request goes to
 * cfg->attempts when set.
 */
#ifndef RUNEVAL_PROVIDERS_DOCKER_DOCKER_H
#define RUNEVAL_PROVIDERS_DOCKER_DOCKER_H

#include "provider.h"

extern const struct provider_ops provider_docker;

#define DOCKER_DEFAULT_IMAGE "runeval-taskapp:bookworm"
#define DOCKER_CREATE_TIMEOUT_MS 120000L
#define DOCKER_PIDS_LIMIT 4096

#endif
