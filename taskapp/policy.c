#include "policy.h"

#include "llm.h"
#include "minibench.h"
#include "rollout.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"

#include <string.h>

#define POLICY_FEEDBACK_TAIL 3000

static const char *const policy_names[] = {
	[TASKAPP_POLICY_REFERENCE] = "reference",
	[TASKAPP_POLICY_NOOP] = "noop",
	[TASKAPP_POLICY_CODE] = "code",
	[TASKAPP_POLICY_LLM] = "llm",
};

static const char policy_system_prompt[] =
	"You are an expert C programmer. Solve the task with one complete "
	"C11 translation unit: the requested function, exactly with the "
	"given signature, plus any #include lines and helper functions it "
	"needs, and no main(). Reply with the code in a single ```c fenced "
	"block.";

const char *taskapp_policy_name(enum taskapp_policy p)
{
	return (unsigned)p < sizeof(policy_names) / sizeof(*policy_names) ?
		policy_names[p] : "unknown";
}

bool taskapp_policy_parse(const char *name, enum taskapp_policy *out)
{
	for (size_t i = 0; i < sizeof(policy_names) / sizeof(*policy_names); i++) {
		if (!strcmp(name, policy_names[i])) {
			*out = (enum taskapp_policy)i;
			return true;
		}
	}
	return false;
}

static void policy_log_turn(struct taskapp_policy_result *res, int turn,
			    const struct taskapp_llm_answer *ans)
{
	const struct taskapp_grade *g = &res->grade;
	json_t *t = json_pack("{s:i, s:b, s:i, s:i, s:f, s:f, s:f}",
			      "turn", turn, "compiled", g->compiled,
			      "passed", g->passed, "total", g->total,
			      "inference_ms", rv_ns_to_ms(ans->elapsed_ns),
			      "compile_ms", rv_ns_to_ms(g->compile_ns),
			      "test_ms", rv_ns_to_ms(g->test_ns));

	json_array_append_new(res->turn_log, t);
}

/* The user message that tells the model how its last candidate did. */
static char *policy_feedback(const struct taskapp_grade *g)
{
	struct rv_buf b = RV_BUF_INIT;
	char *tail;

	if (!g->compiled) {
		tail = taskapp_tail(g->compile_output, POLICY_FEEDBACK_TAIL);
		rv_buf_addf(&b, "Your code did not compile (%s). Compiler "
			    "output:\n```\n%s\n```\n", g->compile_status, tail);
	} else {
		/* never the expected values: a model shown them could
		   answer the seed's cases instead of solving the task */
		tail = taskapp_tail(g->test_hint, POLICY_FEEDBACK_TAIL);
		rv_buf_addf(&b, "Your code compiled but passed %d of %d tests "
			    "(test program %s). Test output:\n```\n%s\n```\n",
			    g->passed, g->total, g->test_status, tail);
		if (*g->test_stderr) {
			free(tail);
			tail = taskapp_tail(g->test_stderr, POLICY_FEEDBACK_TAIL / 2);
			rv_buf_addf(&b, "Standard error (your program's own "
				    "output):\n```\n%s\n```\n", tail);
		}
	}
	rv_buf_adds(&b, "Fix it and reply with the complete corrected C code "
		    "in a single ```c block.");
	free(tail);
	return rv_buf_detach(&b, NULL);
}

static void policy_add_msg(json_t *msgs, const char *role, const char *text)
{
	json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", role,
					      "content", text));
}

/* Grade candidate (taking it) as the result's current one. */
static enum rv_code policy_grade(struct taskapp_policy_result *res,
				 char *candidate,
				 const struct taskapp_rollout_req *req,
				 const struct minibench_task *t,
				 const struct taskapp_grade_opts *opts,
				 struct rv_err *err)
{
	enum rv_code rc;

	free(res->candidate);
	res->candidate = candidate;
	if (res->graded)
		taskapp_grade_release(&res->grade);
	res->graded = false;
	rc = taskapp_grade_run(opts, t, req->seed, candidate, &res->grade, err);
	res->graded = rc == RV_OK;
	return rc;
}

static enum rv_code policy_llm(const struct taskapp_rollout_req *req,
			       const struct minibench_task *t,
			       const struct taskapp_grade_opts *opts,
			       struct taskapp_policy_result *res,
			       struct rv_err *err)
{
	json_t *msgs = json_array();
	struct taskapp_llm_call call = {
		.api_key = req->api_key, .model = req->model, .messages = msgs,
		.temperature = req->temperature, .max_tokens = req->max_tokens,
		.deadline_ns = opts->deadline_ns, .cancel = opts->cancel,
	};
	enum rv_code rc = RV_OK;

	res->endpoint = taskapp_llm_endpoint(req->inference_url);
	call.url = res->endpoint;
	res->turn_log = json_array();
	policy_add_msg(msgs, "system", req->system_prompt ? req->system_prompt :
		       policy_system_prompt);
	policy_add_msg(msgs, "user", t->prompt);
	for (int turn = 1; turn <= req->max_turns; turn++) {
		struct taskapp_llm_answer ans;

		rc = taskapp_llm_complete(&call, &ans, err);
		res->turns = turn;
		if (rc)
			break;
		if (ans.total_tokens >= 0)
			res->tokens = (res->tokens < 0 ? 0 : res->tokens) +
				ans.total_tokens;
		policy_add_msg(msgs, "assistant", ans.content);
		rc = policy_grade(res, taskapp_llm_extract_code(ans.content),
				  req, t, opts, err);
		if (rc == RV_OK)
			policy_log_turn(res, turn, &ans);
		taskapp_llm_answer_release(&ans);
		if (rc || res->grade.deadline_hit || res->grade.cancelled ||
		    (res->grade.total > 0 &&
		     res->grade.passed == res->grade.total))
			break;
		if (turn < req->max_turns) {
			char *fb = policy_feedback(&res->grade);

			policy_add_msg(msgs, "user", fb);
			free(fb);
		}
	}
	json_decref(msgs);
	return rc;
}

enum rv_code taskapp_policy_play(const struct taskapp_rollout_req *req,
				 const struct minibench_task *t,
				 const struct taskapp_grade_opts *opts,
				 struct taskapp_policy_result *res,
				 struct rv_err *err)
{
	const char *code = NULL;

	memset(res, 0, sizeof(*res));
	res->tokens = -1;
	switch (req->policy) {
	case TASKAPP_POLICY_LLM:
		return policy_llm(req, t, opts, res, err);
	case TASKAPP_POLICY_REFERENCE:
		code = t->reference;
		break;
	case TASKAPP_POLICY_NOOP:
		code = minibench_noop_source(t);
		break;
	case TASKAPP_POLICY_CODE:
		code = req->code;
		break;
	}
	if (!code)
		return rv_errf(err, RV_ERR_INTERNAL, "policy '%s' has no code "
			       "for task '%s'", taskapp_policy_name(req->policy),
			       t->id);
	return policy_grade(res, rv_xstrdup(code), req, t, opts, err);
}

void taskapp_policy_result_release(struct taskapp_policy_result *res)
{
	if (res->graded)
		taskapp_grade_release(&res->grade);
	free(res->candidate);
	free(res->endpoint);
	json_decref(res->turn_log);
	memset(res, 0, sizeof(*res));
}
