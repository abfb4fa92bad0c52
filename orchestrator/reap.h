/*
 * reap: `runeval reap [--dry-run] [--job ID]`, which deletes the sandboxes
 * a crashed (or killed) run left behind.
 *
 * Two sources: the journals (every sandbox with an intent and no
 * tombstone: looked up by id, else by its client-chosen name, deleted,
 * tombstoned), then each listing provider that is configured (sandboxes
 * labelled runeval.job, or runeval.job=ID); a sandbox both journaled and
 * listed (same id or name) is handled and counted once, as journaled.
 * Jobs that still run (their journal is locked) are left alone, and so
 * are sandboxes kept with --keep unless --job names their job.  Last,
 * journals with nothing left in them are removed (not on a dry run).
 * Every line printed is escaped (rv_term): ids and errors come from the
 * provider.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REAP_H
#define RUNEVAL_ORCHESTRATOR_REAP_H

#include <stdbool.h>
#include <stdio.h>

#include "rv_err.h"

struct reap_options {
	const char *job;	/* NULL: every job */
	bool dry_run;
	bool leave_kept;	/* kept even when job names theirs */
	const char *state_dir;	/* NULL: journal_state_dir() */
	const struct provider_ops *provider;	/* list this provider's
						   only; NULL: each that
						   lists */
	FILE *out;		/* one line per sandbox */
};

struct provider_ops;

struct reap_counts {
	unsigned found, deleted, gone, failed, skipped;
};

/*
 * Reap.  RV_OK when nothing is left that should go (or on a dry run);
 * otherwise the first failure, with counts filled either way.
 */
enum rv_code reap_run(const struct reap_options *o, struct reap_counts *c,
		      struct rv_err *err);

/* The `runeval reap` command: argv[0] is "reap".  Returns the exit code. */
int reap_main(int argc, char **argv);

#endif
