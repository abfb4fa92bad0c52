/*
 * rollout_json: one rollout record as JSON text, and back.
 *
 * The record result.json lists under "rollouts" and the seed log
 * (seedlog.h) writes one per line: seed, sandbox, trace_correlation_id,
 * ok, state, reward, success_status, status_detail, http_status,
 * latency_ms, error, details (kept as received: its text is copied, not
 * parsed), attempts, and when there were several tries the earlier ones
 * ("tries": sandbox, ms, http_status, error), "run" for a record made
 * by a resume, and what the answer said of the outcome: epoch, transport,
 * reward_source, task, difficulty, tokens.  result.json adds the outcome
 * under the job's options (rollout_json_add_outcome: status, outcome,
 * passed, start_ms).  It is built as text, without a jansson tree: a job
 * writes one per seed.  The record's strings were redacted when they
 * were set (rollouts.c), so they are written as they are.
 */
#ifndef RUNEVAL_ORCHESTRATOR_ROLLOUT_JSON_H
#define RUNEVAL_ORCHESTRATOR_ROLLOUT_JSON_H

#include <jansson.h>

#include "rv_err.h"

struct cli_options;
struct rollout;
struct rv_buf;
struct seedlog_reader;
struct spans;

/*
 * Append r as one compact object; sandbox names it when r has none.
 * Details the seed log holds (more->details_at) are read back through
 * rd (seedlog.h); without rd, or when they cannot be read, they are
 * null.  *details_pos, when not NULL, is set to the offset in b at
 * which r->details were written, or (size_t)-1 when they were not
 * written from memory.
 */
void rollout_json_add(struct rv_buf *b, const struct rollout *r,
		      const char *sandbox, struct seedlog_reader *rd,
		      size_t *details_pos);

/* The same with its outcome under opt (eval.h), its start on spans'
   clock: a record of result.json. */
void rollout_json_add_outcome(struct rv_buf *b, const struct rollout *r,
			      const char *sandbox,
			      const struct cli_options *opt,
			      const struct spans *spans,
			      struct seedlog_reader *rd);

/*
 * Read a record written by rollout_json_add() into r (zeroed first; the
 * caller releases it with rollout_release()).  Its latency is kept (as
 * start_ns 0, end_ns the latency); what cannot be read is an error that
 * names the field.
 */
enum rv_code rollout_json_read(const json_t *o, struct rollout *r,
			       struct rv_err *err);

#endif
