/*
 * e2b: the `e2b` provider (--e2b, --provider e2b), over the client in
 * e2b_api.h and e2b_envd.h.
 *
 * create:  POST /sandboxes with the template (--snapshot, default
 *          "base"), a timeout that bounds the job (cfg->auto_stop_min
 *          minutes, at most 24 h), metadata runeval.job=<job> and
 *          runeval.name=<name> and cfg->labels, envVars cfg->env, and
 *          private ports (traffic token).  It answers once the sandbox
 *          runs.  A failure that may have made one deletes whatever bears
 *          the name before returning.
 * upload:  the tar.gz goes to /tmp through envd's POST /files, then one
 *          command checks its SHA-256 and unpacks it.
 * exec:    process.Process/Start of /bin/sh -c, to its end (stdout and
 *          stderr together); a timeout is Connect-Timeout-Ms.
 * start_process: Start without a deadline, its events followed on a
 *          stream into cmd->log_path (redacted); stop = SendSignal
 *          SIGTERM, grace, SIGKILL.
 *          A command's environment (ENVIRONMENT_API_KEY among it) never
 *          goes into a request envd echoes (a process's envs are in
 *          List): it is written to a file only the sandbox sees, which
 *          the command sources and removes.
 * preview: {scheme}://{port}-{id}.{domain} (or E2B_SANDBOX_URL with the
 *          E2b-Sandbox-Id/-Port headers) and e2b-traffic-access-token.
 * destroy: DELETE /sandboxes/{id}, confirmed by GET (404).
 * list/attach: by metadata (runeval.job; runeval.name for a name).
 *
 * Credentials and endpoints: cfg->api_key / cfg->api_url, else
 * E2B_API_KEY, E2B_API_URL (default https://api.e2b.app), E2B_DOMAIN and
 * E2B_SANDBOX_URL from the environment: any service that copies E2B's
 * API (self-hosted E2B, e2b-lite) works.  A config that gives both the
 * key and the URL (runeval --lite, with the e2b-lite it started) names
 * the whole service: nothing is read from the environment, and envd and
 * ports are reached through that URL (as with E2B_SANDBOX_URL).  Every
 * request goes through the provider's connection pool (remote_pool).
 */
#ifndef RUNEVAL_PROVIDERS_E2B_E2B_H
#define RUNEVAL_PROVIDERS_E2B_E2B_H

#include "provider.h"

extern const struct provider_ops provider_e2b;

/* Defaults when cfg leaves them 0. */
#define E2B_CREATE_TIMEOUT_MS 180000L
#define E2B_LIFETIME_MIN 60L		/* a sandbox's timeout */
#define E2B_MAX_LIFETIME_MIN (24L * 60)	/* E2B's limit (Pro) */

#endif
