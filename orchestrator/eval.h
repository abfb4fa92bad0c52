/*
 * eval: the eval's outcome on the runner's side, between the rollout
 * records (rollouts.h) and the outcome statistics (evalstats.h).
 *
 * A rollout's *status* is one word for every output: the task app's
 * success_status when it answered (missing counts as "success"), else how
 * the exchange failed ("http_error", "request_timeout",
 * "connection_error", "malformed", "cancelled").  Its *class*: ok (the
 * status is success or allowed by --allow-status), a pipeline failure
 * (answered, another status), or a transport failure (no reward).
 *
 * eval_plan() makes the job's records: each seed of --seeds/--seed-list
 * --epochs times, epochs numbered per seed from 1 (a seed listed twice
 * gets epochs 1..2N); the records run epoch by epoch, in the order the
 * seeds were given.
 */
#ifndef RUNEVAL_ORCHESTRATOR_EVAL_H
#define RUNEVAL_ORCHESTRATOR_EVAL_H

#include <jansson.h>
#include <stddef.h>

#include "evalstats.h"

struct cli_options;
struct rollout;
struct rv_buf;

const char *eval_status(const struct rollout *r);
enum evalstats_class eval_class(const struct rollout *r,
				const struct cli_options *opt);

/* One line on why r scored what it did: its status_detail, or the
   failure; "" when there is nothing to say (borrowed from r). */
const char *eval_reason(const struct rollout *r);

/* The job's rollout records (calloc'ed, seed and epoch set). */
struct rollout *eval_plan(const struct cli_options *opt, size_t *n);

/* The outcome of n records (evalstats_release() frees it). */
void eval_compute(const struct rollout *rs, size_t n,
		  const struct cli_options *opt, struct evalstats *out);

/* Rollouts of each class among rs[0..n). */
void eval_count(const struct rollout *rs, size_t n,
		const struct cli_options *opt, size_t *pipeline,
		size_t *transport);

/*
 * What failed, in one line, appended to b: "2 of 2 rollouts are
 * pipeline failures (network_error 2)", "1 of 8 rollouts failed
 * (http_error 1)", both joined by "; ".
 */
void eval_failure_line(const struct rollout *rs, size_t n,
		       const struct cli_options *opt, struct rv_buf *b);

/*
 * result.json: the outcome of one record as members appended to its
 * object's text (",\"status\":...,\"outcome\":...,\"passed\":...,
 * \"start_ms\":..."; start_ms NAN is null), and the eval's settings in the
 * config object.
 */
void eval_rollout_text(struct rv_buf *b, const struct rollout *r,
		       const struct cli_options *opt, double start_ms);
void eval_config_json(json_t *config, const struct cli_options *opt);

#endif
