/*
 * resume: `runeval resume DIR [options]`, which finishes a job that was
 * interrupted (SIGINT, SIGTERM), killed (SIGKILL: its seed log has what
 * ended before) or that failed.
 *
 *	struct resume rs;
 *	resume_options(argc, argv, &rs, &opt, &err);	(locks, reads DIR)
 *	job_prepare(&job, &opt, rs.lock, &err); rs.lock = -1;
 *	resume_apply(&rs, &job, &err);			(checks, loads)
 *	job_run(&job); ...
 *	resume_release(&rs);
 *
 * The job's configuration comes from its seed log (seedlog.h): the
 * options it was given are given again, and options on the resume
 * command line are added to them.  Then the configuration the job would
 * run with now is compared with the recorded one; any difference (the
 * policy, the app, the start command, the provider's endpoint, ...) is
 * listed and refused, except for what may change between runs without
 * changing the eval: --concurrency, --sandboxes, --retries,
 * --sandbox-retries, --max-failures, --keep, the output options.  A
 * value recorded redacted (it held a secret) must be given again.
 *
 * The job keeps its id and results directory; seeds that ended ok are
 * kept, every other one (failed, cancelled, never run) runs again with
 * its earlier tries recorded; result.json is written for the whole job,
 * with the earlier runs' spans (from the result.json the last of them
 * wrote) on the job's clock moved back to its first start.  A resume
 * that finds every seed ok and a result.json leaves it as it is.
 * In a sandbox mode, what the killed run left behind is reaped first.
 */
#ifndef RUNEVAL_ORCHESTRATOR_RESUME_H
#define RUNEVAL_ORCHESTRATOR_RESUME_H

#include <stddef.h>

#include "rv_err.h"
#include "seedlog.h"

struct cli_options;
struct job;

struct resume {
	const char *dir;
	int lock;			/* DIR's (seedlog_lock), until the job
					   takes it over, or -1 */
	struct seedlog_state log;
	char **argv;			/* the rebuilt command line */
	size_t argc;
};

/* Read DIR's seed log and parse the job's options into opt. */
enum rv_code resume_options(int argc, char **argv, struct resume *rs,
			    struct cli_options *opt, struct rv_err *err);

/* After job_prepare(): the job's id, the check, the done seeds. */
enum rv_code resume_apply(struct resume *rs, struct job *job,
			  struct rv_err *err);

void resume_release(struct resume *rs);

#endif
