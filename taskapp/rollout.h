/*
 * rollout: POST /rollout, from request body to response body.
 *
 * taskapp_rollout_parse() validates a body (current contract with
 * trace_correlation_id, or legacy with run_id; unknown fields ignored)
 * into a struct taskapp_rollout_req, or returns the pydantic-style
 * "detail" list for a 422.  taskapp_rollout_run() does the work (pick the
 * task by seed, get a candidate from the policy, grade it) on a worker
 * thread and always yields a response: what went wrong inside a rollout
 * is reported in it (success_status, status_detail, details), never as
 * an HTTP error.
 */
#ifndef RUNEVAL_TASKAPP_ROLLOUT_H
#define RUNEVAL_TASKAPP_ROLLOUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

struct taskapp_app;

struct taskapp_rollout_req {
	char *trace_id;		/* trace_correlation_id, else run_id */
	char *run_id;		/* legacy identity, or NULL */
	long long seed;		/* env.seed (0 when absent) */
	enum taskapp_policy policy;
	char *model;		/* policy.config.model */
	char *inference_url;	/* policy.config.inference_url */
	char *api_key;		/* policy.config.api_key, else OPENAI_API_KEY */
	char *code;		/* policy.config.code (policy "code") */
	char *system_prompt;	/* policy.config.system_prompt */
	int max_turns;		/* policy.config.max_turns, default 1 */
	double temperature;	/* policy.config.temperature, -1 = unset */
	long max_tokens;	/* policy.config.max_tokens, 0 = unset */
	double timeout_s;	/* policy.config.timeout, 0 = unset */
	double max_time_s;	/* safety.max_time_s, 0 = unset */
	long max_memory_mb;	/* safety.max_memory_mb, 0 = unset */
};

/*
 * Parse body.  true fills req (release it); false sets *detail to
 * the 422 "detail" array (new reference) and leaves req empty.
 */
bool taskapp_rollout_parse(const char *body, size_t len,
			   struct taskapp_rollout_req *req, json_t **detail);

void taskapp_rollout_req_release(struct taskapp_rollout_req *req);

/*
 * Run the rollout and return its response body (new reference).  slot is
 * the worker's number (its sandbox slot); cancel is polled (client gone,
 * shutdown).
 */
json_t *taskapp_rollout_run(const struct taskapp_app *app,
			    const struct taskapp_rollout_req *req,
			    unsigned slot, const volatile int *cancel);

#endif
