/*
 * result: result.json, schema runeval.result/1 (docs/result-schema.md).
 *
 * result_stream() writes the document to f one record at a time (so
 * memory stays flat however many seeds): the job, the environment
 * fingerprint, the configuration without secrets (the key as a hint
 * only), every span and every seed's rollout (one compact line each),
 * and the summary (computed once by the caller with summary_compute(),
 * after spans_sort()).  Every string that may echo foreign text passes
 * through rv_redact().  result_write() writes it atomically (temporary
 * file, rename) to job->result_path; after a failure no temporary file
 * is left and err names the file (and the member that could not be
 * built, if that was why).
 */
#ifndef RUNEVAL_ORCHESTRATOR_RESULT_H
#define RUNEVAL_ORCHESTRATOR_RESULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "rv_err.h"

#define RESULT_SCHEMA "runeval.result/1"

struct job_outcome;
struct summary;

/*
 * false on a write error (errno set) or when a member could not be built
 * (nothing aborts: every value that came from a task app or a provider
 * is checked, non-finite numbers are null, invalid UTF-8 is replaced).
 */
bool result_stream(const struct job_outcome *job, const struct summary *s, FILE *f);

/*
 * result.json's "config" of the job (a new reference): what it was
 * given, without secrets; also what a resume needs to run the rest.
 */
json_t *result_config_json(const struct job_outcome *job);

enum rv_code result_write(const struct job_outcome *job, const struct summary *s,
			  struct rv_err *err);

#endif
