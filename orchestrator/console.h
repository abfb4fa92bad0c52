/*
 * console: what a person sees while a job runs and when it ends.
 *
 * Progress goes to stderr.  While sandboxes come up: on a terminal one
 * live line, `sandboxes: 3/8 provisioned, 2 uploading, 1 healthy`;
 * otherwise the same as a plain line at most once a second (and once all
 * are healthy).  Then, for the rollouts: on a terminal one live line
 * (done/total, the running mean reward, failures and pipeline failures,
 * elapsed, ETA) redrawn at most 10 times a second; otherwise a plain
 * line at every tenth of the seeds (and at most every 5 s).
 * --no-progress and --quiet turn it off; --verbose adds a line per
 * phase and per rollout.
 *
 * The final report goes to the stream given to console_new() (stdout, or
 * stderr under --json): the per-seed table (seed, epoch, result, reward,
 * ms, status, task, a one-line reason), the eval's outcome (rollouts by
 * class, mean reward with its 95% interval, pass rate and pass@k,
 * statuses, difficulties, tokens, the per-task table), the phase-timing
 * table, and last a line that says the job's status, what failed and the
 * outcome.  --quiet keeps only the failed rollouts and that last line.
 * Every function accepts a NULL console and does nothing.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CONSOLE_H
#define RUNEVAL_ORCHESTRATOR_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rv_err.h"
#include "rv_phase.h"

struct cli_options;
struct job_outcome;
struct rollout;
struct summary;
struct console;

/* Rows of the per-seed table printed in full; beyond, failures only. */
#define CONSOLE_MAX_SEED_ROWS 50

struct console *console_new(const struct cli_options *opt, size_t total,
			    FILE *report_out);
void console_free(struct console *c);

/* The job runs m sandboxes (a bring-up line is shown when sandboxed). */
void console_sandboxes(struct console *c, unsigned m, bool sandboxed);

/* Sandbox slot `slot` begins or ends a phase. */
void console_phase_begin(struct console *c, unsigned slot,
			 enum rv_phase phase);
void console_phase_end(struct console *c, unsigned slot, enum rv_phase phase,
		       enum rv_code rc, double ms, const char *error);
void console_rollout(struct console *c, const struct rollout *r);
/* Clear the live line (before anything else is printed). */
void console_progress_done(struct console *c);

/* The final report of a finished job, with its summary_compute(). */
void console_report(struct console *c, const struct job_outcome *job,
		    const struct summary *s);

#endif
