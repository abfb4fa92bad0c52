/*
 * plan: what a job would do, for --dry-run: the provider and its server,
 * what sandboxes are made of, the app and its start command, the seeds
 * and how they are spread, the environment names the app gets, and the
 * outputs.  Nothing is created to print it (job_prepare() under --dry-run
 * starts no server and makes no directory).
 */
#ifndef RUNEVAL_ORCHESTRATOR_PLAN_H
#define RUNEVAL_ORCHESTRATOR_PLAN_H

#include <stdio.h>

struct job;

void plan_print(const struct job *job, FILE *out);

#endif
