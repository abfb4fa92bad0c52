/*
 * multi: one job on several providers (`--provider local,bwrap,daytona`
 * or repeated), compared.
 *
 * Each provider runs the same seeds, app and policy as a job of its own:
 * runeval runs itself once per provider (in parallel; in turn with
 * --one-provider-at-a-time) with --provider P --out OUT/P, the child's
 * console going to OUT/P.console.log, RUNEVAL_MULTI_CHILD set (a child
 * takes the options that apply to its provider: --lite only where there
 * is an offline server, sandbox options only in a sandbox mode).  Then
 * one combined report over each OUT/P/result.json goes to OUT/ (summary.json,
 * report.md, ... with the comparison block and each sandboxed
 * provider's overhead factor against local) and its table to stdout
 * (stderr with --json, which prints summary.json).  The exit code is the
 * worst of the jobs'.  A SIGINT or SIGTERM sent to runeval alone goes on
 * to every job still running (each writes its interrupted result);
 * one at a time, the providers after it are not started.
 */
#ifndef RUNEVAL_ORCHESTRATOR_MULTI_H
#define RUNEVAL_ORCHESTRATOR_MULTI_H

#include "cli.h"

/* Run opt's job on each of opt->providers; argv is runeval's own. */
int multi_run(int argc, char **argv, const struct cli_options *opt);

#endif
