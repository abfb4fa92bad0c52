/*
 * history: the jobs kept in results directories.
 *
 *	runeval ls [DIR]       one line per job under DIR (default runs/):
 *	                       id, date, provider, app, policy/model, seeds,
 *	                       mean reward, pass rate, status, duration
 *	runeval show JOB       one job's summary: JOB is a job id (under
 *	                       runs/), a results directory or a result.json;
 *	                       the app (its /info name and version), the
 *	                       eval's outcome (mean reward and CI, pass rate,
 *	                       how the rollouts ended, statuses, pass@k),
 *	                       each failed rollout with its status and
 *	                       reason (pipeline failures too), the phases
 *
 * Both read result.json files, and never fail on one they cannot read:
 * ls marks it, show says what is wrong with it (exit 2).  A directory
 * with a seed log and no result.json (a job killed, or running now:
 * another runeval holds the directory's lock) is read from its log
 * (seedlog.h): status "interrupted" or "running", the seeds that ended,
 * and for show the resume that finishes it.
 */
#ifndef RUNEVAL_ORCHESTRATOR_HISTORY_H
#define RUNEVAL_ORCHESTRATOR_HISTORY_H

#include <stdbool.h>

int history_ls_main(int argc, char **argv);

/* The providers whose jobs dir holds in dir/<provider> ("process, bwrap",
   malloc'ed), or NULL: dir is no run on several providers. */
char *history_provider_jobs(const char *dir);

/* When dir is such a run, say so on stderr (cmd DIR/<provider>). */
bool history_multi_hint(const char *dir, const char *cmd);
int history_show_main(int argc, char **argv);

#endif
