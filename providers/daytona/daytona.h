/*
 * daytona: the `daytona` provider, over the client in daytona_api.h,
 * daytona_toolbox.h and daytona_ws.h.
 *
 * create:  POST /sandbox (snapshot or image, env, labels runeval.job=<job>
 *          and cfg->labels, auto-stop/auto-delete intervals, target), then
 *          an adaptive wait for 'started'.  Any failure after the POST
 *          (error state, timeout, cancel) deletes the sandbox before
 *          returning, so a failed create leaves nothing behind.
 * upload:  the tar.gz goes to /tmp in one multipart request, then one
 *          command checks its SHA-256 with sha256sum and unpacks it (a
 *          local file that cannot be read: RV_ERR_IO at once).
 * exec:    POST /process/execute (output is stdout and stderr merged).
 * start_process: a session command with runAsync, its output followed
 *          over the WebSocket into cmd->log_path (redacted, line by line;
 *          opened first, so a log that cannot be written is RV_ERR_IO
 *          and nothing starts).
 * preview: the preview URL and an X-Daytona-Preview-Token header.
 * destroy: DELETE, retried on 409, confirmed by GET (404 or destroyed).
 *
 * Credentials: cfg->api_key / cfg->api_url, else DAYTONA_API_KEY (or
 * DAYTONA_JWT_TOKEN + DAYTONA_ORGANIZATION_ID), DAYTONA_API_URL and
 * DAYTONA_TARGET from the environment.  Every HTTP attempt goes to
 * cfg->attempts when set.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_DAYTONA_H
#define RUNEVAL_PROVIDERS_DAYTONA_DAYTONA_H

#include "provider.h"

extern const struct provider_ops provider_daytona;

/* Defaults when cfg leaves them 0. */
#define DAYTONA_CREATE_TIMEOUT_MS 180000L
#define DAYTONA_AUTO_STOP_MIN 30L

#endif
