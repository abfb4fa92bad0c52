/*
 * result: result.json, schema runeval.result/1 (docs/result-schema.md).
 *
 * result_build() returns a new JSON object (the caller decrefs): the job,
 * the environment fingerprint, the configuration without secrets (the
 * key as a hint only), every span, one record per seed and the summary.
 * Every string that may echo foreign text passes through rv_redact().
 * result_write() writes it atomically to job->result_path.
 */
#ifndef RUNEVAL_ORCHESTRATOR_RESULT_H
#define RUNEVAL_ORCHESTRATOR_RESULT_H

#include <jansson.h>

#include "rv_err.h"

#define RESULT_SCHEMA "runeval.result/1"

struct job;

json_t *result_build(const struct job *job);

enum rv_code result_write(const struct job *job, const json_t *result,
			  struct rv_err *err);

#endif
