/*
 * job: one eval job, from options to result.json.
 *
 *	struct job job;
 *	if (job_prepare(&job, &opt, -1, &err) == RV_OK)	(usage/config)
 *		job_run(&job);				(never skips teardown)
 *	... job.exit_code, job.status, job.err ...
 *	job_release(&job);
 *
 * job_prepare() resolves everything that can be wrong before anything
 * starts: the job id, the results directory, the task app and its start
 * command, ENVIRONMENT_API_KEY (minted when unset, registered for
 * redaction), the app's environment (appenv.h) and policy.config
 * (policy_config.h).  job_run() runs the mode's bring-up steps, the rollouts
 * and the teardown, each a timed span, and fills status and exit code.
 * Writing result.json and printing are the caller's (result.h,
 * console.h).
 */
#ifndef RUNEVAL_ORCHESTRATOR_JOB_H
#define RUNEVAL_ORCHESTRATOR_JOB_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "appenv.h"
#include "appinfo.h"
#include "cli.h"
#include "health.h"
#include "lite_launch.h"
#include "outcome.h"
#include "rollouts.h"
#include "rv_err.h"
#include "rv_phase.h"
#include "seedq.h"
#include "spans.h"
#include "taskinfo.h"

struct mode_ops;
struct provider_ops;

struct console;
struct journal;
struct seedlog;

struct job {
	const struct cli_options *opt;	/* borrowed */
	char id[48];
	char *out_dir;
	bool out_is_temp;		/* --no-out: removed by job_release() */
	int dir_lock;			/* <out>/seeds.jsonl locked for the
					   job (seedlog_lock), or -1 */
	int out_lock;			/* <out> itself (rv_lock_dir: several
					   providers' runs lock that), -1 */
	char *result_path;		/* <out>/result.json */
	char *log_path;			/* <out>/taskapp.log */
	char *api_key;			/* secret: never printed */
	bool key_minted;
	struct appenv appenv;		/* the app's environment */
	char *policy_config;		/* policy.config, JSON text */
	struct app_info app_info;	/* the app's /info, once read */
	char *app_desc;			/* "bundled" or the --app dir */
	char *app_dir;			/* where the start command runs */
	char *start_cmd;
	const char *env_config;		/* env.config, JSON object text */
	const struct mode_ops *mode;	/* how the app is brought up */
	const struct provider_ops *provider;	/* where */
	const char *mode_name;		/* mode->name */
	const char *provider_name;	/* provider->name */
	char sandbox[64];		/* "local-0" */
	int port;			/* the app's port, once known */

	/* sandbox modes */
	struct lite_launch lite;	/* --lite: the offline server */
	char *api_url;			/* provider endpoint, or NULL */
	char *target;			/* provider region, or NULL */
	char *image;			/* what sandboxes start from, or NULL */
	char *image_id;			/* its id, or NULL */
	int image_present;		/* before the job: 1, 0, -1 unknown */
	unsigned n_sandboxes;		/* sandbox slots pulling seeds */
	struct mode_bundle *bundle;	/* the mode's job-level preparation:
					   the app packed once, or NULL */
	struct journal *journal;	/* remote sandboxes on disk */
	char *kept;			/* --keep: how to reach it, or NULL */
	pthread_mutex_t lock;		/* shards: err, console, creates */
	pthread_cond_t create_cv;
	unsigned creating;		/* creates in flight */
	unsigned ups_ok, ups_failed;	/* sandbox bring-ups so far */
	bool gave_up;			/* the provider seems down */

	struct seedq sched;		/* the seed queue */
	struct seedlog *seedlog;	/* <out>/seeds.jsonl, or NULL */
	unsigned run;			/* 0, or which resume this is */
	/* --snapshot-after-install: shard 0 makes it, the others wait */
	enum { JOB_SNAP_NONE, JOB_SNAP_PENDING, JOB_SNAP_READY,
	       JOB_SNAP_FAILED } snap_state;
	char *snapshot;			/* the provider's id, or NULL */
	char snapshot_name[96];
	pthread_cond_t snap_cv;

	struct spans spans;
	struct rollout *rollouts;	/* per seed and epoch (eval_plan) */
	size_t n_rollouts;
	struct health_wait health;
	bool taskinfo_asked;		/* GET /task_info done (taskinfo.h) */
	struct outcome_shard *shards;	/* every shard, in order */
	size_t n_shards;

	enum job_status status;
	int exit_code;
	struct rv_err err;		/* the job-level failure, if any */
	struct rv_err teardown_err;	/* the first failed teardown */
	enum rv_phase failed_phase;	/* where it failed, or RV_PHASE_NONE */
	uint64_t end_ns;
	uint64_t rollouts_cpu_ns;	/* the sandboxes' threads' CPU while
					   they ran rollouts (under lock) */
	struct console *console;	/* progress, or NULL */
};

/*
 * dir_lock: the results directory's lock when the caller took it
 * already (a resume, before reading the job's log), or -1; the job owns
 * it either way.  A directory another runeval is running in is refused
 * (RV_ERR_USAGE).
 */
enum rv_code job_prepare(struct job *job, const struct cli_options *opt,
			 int dir_lock, struct rv_err *err);

/* Run the job; sets status, exit_code, err.  Returns exit_code. */
int job_run(struct job *job);

void job_release(struct job *job);

/* Does the job's mode give each slot a sandbox of its own? */
bool job_sandboxed(const struct job *job);

/* The finished job as the outputs see it (outcome.h); borrowed. */
void job_outcome(const struct job *job, struct job_outcome *out);

#endif
