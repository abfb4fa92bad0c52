/*
 * answer: what a task app's answer says of the outcome beside the reward
 * (rollout_judge() reads the reward): success_status, status_detail, the
 * task's identity, token counts.  Everything in it is hostile input:
 * strings are redacted and cut (at a character boundary, "..." added),
 * numbers checked; what is not there, or not valid, stays unknown.
 *
 *  - success_status: a string (missing or null counts as success, as the
 *    contract says); any other type is recorded as ANSWER_INVALID_STATUS.
 *  - the task: details.task_name, details.task, details.task_id (strings,
 *    details being reward_info.details or metrics.details); difficulty:
 *    details.difficulty, details.difficulty_split.  From GET /task_info
 *    the same keys of task_metadata (and task_metadata.name).
 *  - tokens: prompt_tokens (or input_tokens), completion_tokens (or
 *    output_tokens) and total_tokens from the first of details.usage,
 *    details (where "tokens" is a total too), usage and trace.usage that
 *    has any; whole numbers from 0 to ANSWER_TOKENS_MAX.
 *
 * success_status, the task and the difficulty set in the rollout are
 * interned (rv_intern.h: few values, repeated by every record);
 * status_detail is the record's own (rollout_set_status_detail()).
 */
#ifndef RUNEVAL_ORCHESTRATOR_ANSWER_H
#define RUNEVAL_ORCHESTRATOR_ANSWER_H

#include <jansson.h>

struct rollout;

#define ANSWER_STATUS_MAX 64
#define ANSWER_NAME_MAX 128
#define ANSWER_DETAIL_MAX 2048
#define ANSWER_TOKENS_MAX 1e12
#define ANSWER_INVALID_STATUS "invalid_status"

/* Fill r's success_status, status_detail, task, difficulty, tokens from
   an answer object v (fields already set are replaced). */
void answer_read(const json_t *v, struct rollout *r);

/* Fill r's task and difficulty, when it has none, from one instance of
   GET /task_info (an object with task_metadata). */
void answer_task_info(const json_t *inst, struct rollout *r);

/* s redacted and cut to max bytes at a character boundary, "..." added
   (malloc'ed). */
char *answer_text(const char *s, size_t max);

#endif
