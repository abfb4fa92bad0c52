/*
 * outcome: a finished job, as the outputs see it.
 *
 * The console, the summary and result.json read a job through this view
 * rather than through struct job (job.h), so that what they show is
 * exactly what the job decided, and the runner's working state (threads,
 * shards, journal, bundle) stays the runner's.  job_outcome() fills it;
 * every pointer is borrowed from the job and valid until job_release().
 */
#ifndef RUNEVAL_ORCHESTRATOR_OUTCOME_H
#define RUNEVAL_ORCHESTRATOR_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rv_phase.h"

struct app_info;
struct appenv;
struct cli_options;
struct rollout;
struct spans;

enum job_status {
	JOB_OK = 0,		/* every rollout succeeded */
	JOB_FAILED,		/* ran; some rollouts failed (in transport, or
				   pipeline failures: see exit_code) */
	JOB_ERROR,		/* infrastructure failure */
	JOB_INTERRUPTED,	/* SIGINT/SIGTERM */
};

/* "ok", "failed", "error", "interrupted". */
const char *job_status_name(enum job_status s);

/* One sandbox of the job, in shard order. */
struct outcome_shard {
	unsigned index;
	char name[96];		/* the client-chosen name, "local-0" */
	char label[64];		/* its id once known (the spans' sandbox) */
};

struct job_outcome {
	/* what ran, and where */
	const char *id;
	const struct cli_options *opt;	/* as given */
	const char *provider;		/* "process", "daytona", ... */
	const char *mode;		/* "local", "sandbox" */
	const char *api_url;		/* provider endpoint, or NULL */
	const char *target;		/* provider region, or NULL */
	const char *server;		/* "daytona-lite" under --lite, else
					   NULL (the provider's own) */
	const char *image;		/* what sandboxes start from, or NULL */
	const char *image_id;		/* its id, or NULL */
	int image_present;		/* before the job: 1, 0, -1 unknown */
	unsigned n_sandboxes;
	const char *sandbox;		/* the first sandbox's label */
	const char *app_desc;		/* "bundled" or the --app dir */
	const char *start_cmd;
	int port;			/* 0 when never known */
	const char *env_config;		/* env.config, JSON object text */
	const struct appenv *appenv;	/* the app's environment (names) */
	const char *policy_config;	/* policy.config, JSON object text */
	const struct app_info *app_info;	/* the app's /info */
	char key_hint[64];		/* "3f9a...(64 chars)": never the key */
	bool key_minted;
	const char *out_dir;
	const int *log_lock;		/* the seed log the job holds
					   (seedlog_lock: -1 none), or NULL */
	const char *result_path;	/* NULL under --no-out */
	const char *log_path;		/* the (first) task app log */
	const struct outcome_shard *shards;	/* in shard order */
	size_t n_shards;

	/* what happened */
	enum job_status status;
	int exit_code;
	const char *error;		/* the job-level failure, or "" */
	enum rv_phase failed_phase;	/* or RV_PHASE_NONE */
	const char *log_tail;		/* the app's last output when it died,
					   or NULL */
	const struct spans *spans;	/* every span, sorted */
	const struct rollout *rollouts;	/* one per seed, in seed order */
	size_t n_rollouts;
	uint64_t end_ns;		/* monotonic; 0 while running */
	uint64_t rollouts_cpu_ns;	/* runeval's CPU in the rollouts
					   phases, its sandboxes' threads
					   summed: the cost of the seeds, no
					   bring-up or teardown in it */
};

#endif
