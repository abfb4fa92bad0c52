/*
 * rollout: running one rollout and building its response (see rollout.h).
 */
#include "rollout.h"

#include "app.h"
#include "minibench.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_redact.h"
#include "sandbox.h"

#include <stdio.h>
#include <string.h>

#define ROLLOUT_TAIL 2000

struct rollout_outcome {
	double reward;
	const char *status;	/* success_status */
	char detail[512];	/* status_detail, "" = null */
	double latency_ms;
};

static const char *rollout_status_of(enum rv_code rc)
{
	switch (rc) {
	case RV_OK:
		return "success";
	case RV_ERR_CONNECT:
		return "network_error";
	case RV_ERR_TIMEOUT:
		return "timeout";
	case RV_ERR_HTTP:
	case RV_ERR_PROTO:
	case RV_ERR_INTR:
		return "failure";
	default:
		return "runtime_error";
	}
}

/* The rollout's deadline: the tightest of the request's and ours. */
static uint64_t rollout_deadline(const struct taskapp_app *app,
				 const struct taskapp_rollout_req *req,
				 uint64_t start, double *limit_s)
{
	double s = app->max_rollout_s;

	if (req->timeout_s > 0 && req->timeout_s < s)
		s = req->timeout_s;
	if (req->max_time_s > 0 && req->max_time_s < s)
		s = req->max_time_s;
	*limit_s = s;
	return start + (uint64_t)(s * 1e9);
}

static void rollout_judge(const struct taskapp_policy_result *pr,
			  enum rv_code rc, const struct rv_err *err,
			  double limit_s, struct rollout_outcome *o)
{
	const struct taskapp_grade *g = &pr->grade;

	o->status = rollout_status_of(rc);
	if (pr->graded && g->total > 0)
		o->reward = (double)g->passed / g->total;
	if (rc) {
		char *safe = rv_redact(err->msg);

		snprintf(o->detail, sizeof(o->detail), "%s", safe);
		free(safe);
	} else if (g->deadline_hit) {
		o->status = "timeout";
		snprintf(o->detail, sizeof(o->detail), "rollout time limit of "
			 "%g s exceeded while %s", limit_s,
			 g->tests_ran ? "running the tests" : "compiling");
	} else if (g->cancelled) {
		o->status = "failure";
		snprintf(o->detail, sizeof(o->detail), "rollout cancelled");
	} else if (!g->compiled) {
		snprintf(o->detail, sizeof(o->detail), "Compile failed (%s); "
			 "Tests: 0/%d", g->compile_status, g->total);
	} else {
		snprintf(o->detail, sizeof(o->detail), "Tests: %d/%d%s%s",
			 g->passed, g->total,
			 strncmp(g->test_status, "exited 0", 9) ? "; test program " : "",
			 strncmp(g->test_status, "exited 0", 9) ? g->test_status : "");
	}
}

static void rollout_set_str(json_t *o, const char *key, const char *s)
{
	json_object_set_new(o, key, s ? json_string(s) : json_null());
}

static void rollout_set_tail(json_t *o, const char *key, const char *s)
{
	char *tail = taskapp_tail(s, ROLLOUT_TAIL);
	char *safe = rv_redact(tail);

	json_object_set_new(o, key, json_string(safe));
	free(safe);
	free(tail);
}

static json_t *rollout_details(const struct taskapp_app *app,
			       const struct taskapp_rollout_req *req,
			       const struct minibench_task *t,
			       const struct taskapp_policy_result *pr,
			       const struct rollout_outcome *o)
{
	const struct taskapp_grade *g = &pr->grade;
	json_t *d = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:i, s:i, "
			      "s:f, s:f, s:f, s:s}",
			      "task_id", t->id, "task_name", t->name,
			      "difficulty", t->difficulty,
			      "seed", (json_int_t)req->seed,
			      "policy", taskapp_policy_name(req->policy),
			      "compiled", pr->graded && g->compiled,
			      "passed", pr->graded ? g->passed : 0,
			      "total", pr->graded ? g->total : 0,
			      "latency_ms", o->latency_ms,
			      "compile_ms", rv_ns_to_ms(g->compile_ns),
			      "test_ms", rv_ns_to_ms(g->test_ns),
			      "sandbox", taskapp_sandbox_mode_name());
	char *iid = rv_xasprintf("%s-%lld", t->id, req->seed);

	json_object_set_new(d, "instance_id", json_string(iid));
	free(iid);
	rollout_set_str(d, "compiler", app->cc.path);
	rollout_set_str(d, "compile_status", pr->graded ? g->compile_status : NULL);
	rollout_set_str(d, "test_status", pr->graded ? g->test_status : NULL);
	rollout_set_tail(d, "compile_output_tail", pr->graded ? g->compile_output : "");
	rollout_set_tail(d, "test_output_tail", pr->graded ? g->test_output : "");
	rollout_set_tail(d, "test_stderr_tail", pr->graded ? g->test_stderr : "");
	if (req->policy == TASKAPP_POLICY_LLM) {
		rollout_set_str(d, "model", req->model);
		json_object_set_new(d, "turns", json_integer(pr->turns));
		json_object_set_new(d, "max_turns", json_integer(req->max_turns));
		json_object_set_new(d, "tokens", pr->tokens >= 0 ?
				    json_integer(pr->tokens) : json_null());
		json_object_set(d, "turn_results", pr->turn_log ? pr->turn_log :
				json_null());
	}
	return d;
}

static json_t *rollout_reward_info(json_t *details,
				   const struct rollout_outcome *o)
{
	json_t *obj = json_pack("{s:f, s:f}", "reward", o->reward,
				"latency_ms", o->latency_ms);

	return json_pack("{s:f, s:n, s:o, s:n, s:[O], s:o}",
			 "outcome_reward", o->reward, "event_rewards",
			 "outcome_objectives", obj, "event_objectives",
			 "instance_objectives", obj, "details", details);
}

static json_t *rollout_artifacts(const struct taskapp_rollout_req *req,
				 const struct minibench_task *t,
				 const char *candidate)
{
	if (!candidate)
		return json_null();
	return json_pack("[{s:s, s:s, s:{s:s, s:s, s:s, s:I}}]",
			 "content", candidate, "content_type", "c_code",
			 "metadata", "artifact_type", "final_code",
			 "task_id", t->id, "policy",
			 taskapp_policy_name(req->policy),
			 "seed", (json_int_t)req->seed);
}

/* Legacy (run_id) callers read metrics{...} and trajectories. */
static void rollout_legacy(json_t *resp, const struct taskapp_rollout_req *req,
			   const struct rollout_outcome *o, json_t *details)
{
	json_object_set_new(resp, "run_id", json_string(req->run_id));
	json_object_set_new(resp, "metrics", json_pack(
		"{s:[f], s:f, s:i, s:i, s:f, s:n, s:O}",
		"episode_returns", o->reward, "mean_return", o->reward,
		"num_steps", 1, "num_episodes", 1, "outcome_score", o->reward,
		"events_score", "details", details));
	json_object_set_new(resp, "trajectories", json_array());
	json_object_set_new(resp, "aborted", json_false());
	json_object_set_new(resp, "ops_executed", json_integer(0));
}

json_t *taskapp_rollout_run(const struct taskapp_app *app,
			    const struct taskapp_rollout_req *req,
			    unsigned slot, const volatile int *cancel)
{
	const struct minibench_task *t = minibench_for_seed(req->seed);
	struct taskapp_policy_result pr;
	struct rollout_outcome o = { 0 };
	struct taskapp_grade_opts opts = app->grade;
	struct rv_err err = RV_ERR_INIT;
	uint64_t start = rv_now_ns();
	double limit_s;
	enum rv_code rc;
	json_t *resp, *details;

	opts.slot = slot;
	opts.cancel = cancel;
	opts.deadline_ns = rollout_deadline(app, req, start, &limit_s);
	/* safety.max_memory_mb may only tighten the test run's limit */
	if (req->max_memory_mb > 0 &&
	    (size_t)req->max_memory_mb < (opts.run.mem_bytes >> 20))
		opts.run.mem_bytes = (size_t)req->max_memory_mb << 20;
	rc = taskapp_policy_play(req, t, &opts, &pr, &err);
	o.latency_ms = rv_ns_to_ms(rv_now_ns() - start);
	rollout_judge(&pr, rc, &err, limit_s, &o);
	details = rollout_details(app, req, t, &pr, &o);
	if (rc)
		rollout_set_str(details, "error", o.detail);
	resp = json_pack("{s:s, s:o, s:n, s:o, s:o, s:s, s:o, s:n}",
			 "trace_correlation_id", req->trace_id,
			 "reward_info", rollout_reward_info(details, &o),
			 "trace",
			 "inference_url", pr.endpoint ? json_string(pr.endpoint) :
			 json_null(),
			 "artifact", rollout_artifacts(req, t, pr.candidate),
			 "success_status", o.status,
			 "status_detail", o.detail[0] ? json_string(o.detail) :
			 json_null(),
			 "override_application_results");
	if (req->run_id && !strcmp(req->run_id, req->trace_id))
		rollout_legacy(resp, req, &o, details);
	taskapp_policy_result_release(&pr);
	return resp;
}
