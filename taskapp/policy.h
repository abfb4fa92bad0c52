/*
 * policy: where a rollout's candidate code comes from.
 *
 *	reference  the task's bundled solution (reward 1)
 *	noop       the signature with an empty body (compiles, reward 0)
 *	code       policy.config.code, verbatim (bring your own candidate)
 *	llm        an OpenAI-compatible chat completions endpoint, for up to
 *	           max_turns turns with compiler and test feedback
 *
 * taskapp_policy_play() runs the policy and grades what it produced.  Its
 * result owns everything in it (release it in every case).  Errors are
 * the task app's trouble (no compiler, no sandbox) or the inference
 * endpoint's (see llm.h); a candidate's failure is a graded result.
 */
#ifndef RUNEVAL_TASKAPP_POLICY_H
#define RUNEVAL_TASKAPP_POLICY_H

#include <jansson.h>
#include <stdbool.h>

#include "grade.h"
#include "rv_err.h"

enum taskapp_policy {
	TASKAPP_POLICY_REFERENCE,
	TASKAPP_POLICY_NOOP,
	TASKAPP_POLICY_CODE,
	TASKAPP_POLICY_LLM,
};

#define TASKAPP_POLICY_NAMES "reference, noop, code, llm"

struct taskapp_app;
struct taskapp_rollout_req;
struct minibench_task;

struct taskapp_policy_result {
	bool graded;			/* grade is valid */
	struct taskapp_grade grade;	/* of the last candidate */
	char *candidate;		/* the last candidate, or NULL */
	int turns;			/* model calls made (llm) */
	long tokens;			/* usage.total_tokens summed, or -1 */
	json_t *turn_log;		/* [{turn, compiled, passed, ...}] (llm) */
	char *endpoint;			/* the inference URL used (llm), or NULL */
};

/* Name <-> enum; parse is false for an unknown name. */
const char *taskapp_policy_name(enum taskapp_policy p);
bool taskapp_policy_parse(const char *name, enum taskapp_policy *out);

/*
 * Run req's policy on task t; grade with opts (its deadline and cancel
 * apply to model calls too).
 */
enum rv_code taskapp_policy_play(const struct taskapp_rollout_req *req,
				 const struct minibench_task *t,
				 const struct taskapp_grade_opts *opts,
				 struct taskapp_policy_result *res,
				 struct rv_err *err);

void taskapp_policy_result_release(struct taskapp_policy_result *res);

#endif
