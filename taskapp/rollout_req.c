/*
 * rollout_req: validating a POST /rollout body (see rollout.h).
 */
#include "rollout.h"

#include "app.h"
#include "rv_alloc.h"
#include "rv_json.h"
#include "rv_redact.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Identity: trace_correlation_id, or the legacy run_id. */
static void req_identity(struct taskapp_check *c, const json_t *body,
			 struct taskapp_rollout_req *req)
{
	const char *run_id = taskapp_check_str(c, body, "body", "run_id", false);
	const char *tid = taskapp_check_str(c, body, "body",
					    "trace_correlation_id", !run_id);
	/* EngineBench lets policy.config override the top-level one */
	const char *ptid = taskapp_check_str(c, body, "body",
		"policy.config.trace_correlation_id", false);

	req->run_id = rv_xstrdup(run_id);
	req->trace_id = rv_xstrdup(ptid ? ptid : tid ? tid : run_id);
}

static void req_policy_name(struct taskapp_check *c, const json_t *body,
			    struct taskapp_rollout_req *req)
{
	const char *name = taskapp_check_str(c, body, "body",
					     "policy.config.policy", false);
	const char *where = "body.policy.config.policy";

	if (!name) {
		name = taskapp_check_str(c, body, "body", "policy.policy_name",
					 false);
		where = "body.policy.policy_name";
	}
	if (!name) {
		req->policy = req->inference_url ? TASKAPP_POLICY_LLM :
			TASKAPP_POLICY_REFERENCE;
		return;
	}
	if (!taskapp_policy_parse(name, &req->policy)) {
		char msg[160];

		snprintf(msg, sizeof(msg), "unknown policy '%.60s' (known: %s)",
			 name, TASKAPP_POLICY_NAMES);
		taskapp_check_add(c, "value_error", where, msg,
				  rv_json_path(body, where + 5));
	}
}

static void req_policy_config(struct taskapp_check *c, const json_t *body,
			      struct taskapp_rollout_req *req)
{
	const char *p = "body";
	long long n;
	double d;

	req->model = rv_xstrdup(taskapp_check_str(c, body, p,
		"policy.config.model", false));
	req->inference_url = rv_xstrdup(taskapp_check_str(c, body, p,
		"policy.config.inference_url", false));
	req->api_key = rv_xstrdup(taskapp_check_str(c, body, p,
		"policy.config.api_key", false));
	req->code = rv_xstrdup(taskapp_check_str(c, body, p,
		"policy.config.code", false));
	req->system_prompt = rv_xstrdup(taskapp_check_str(c, body, p,
		"policy.config.system_prompt", false));
	req->max_turns = 1;
	if (taskapp_check_int(c, body, p, "policy.config.max_turns", &n)) {
		if (n < 1 || n > TASKAPP_MAX_TURNS)
			taskapp_check_add(c, "value_error",
				"body.policy.config.max_turns",
				"max_turns must be between 1 and 20",
				rv_json_path(body, "policy.config.max_turns"));
		else
			req->max_turns = (int)n;
	}
	req->temperature = -1;
	if (rv_json_num(body, "policy.config.temperature", &d) && d >= 0)
		req->temperature = d;
	else if (taskapp_check_get(c, body, p, "policy.config.temperature",
				   false))
		taskapp_check_add(c, "float_type", "body.policy.config.temperature",
			"Input should be a number >= 0",
			rv_json_path(body, "policy.config.temperature"));
	if (taskapp_check_int(c, body, p, "policy.config.max_tokens", &n))
		req->max_tokens = n > 0 ? (long)n : 0;
	taskapp_check_pos_num(c, body, p, "policy.config.timeout",
			      &req->timeout_s);
	taskapp_check_pos_num(c, body, p, "safety.max_time_s",
			      &req->max_time_s);
	if (taskapp_check_int(c, body, p, "safety.max_memory_mb", &n))
		req->max_memory_mb = n > 0 ? (long)n : 0;
}

/* What a policy needs that the request did not give. */
static void req_policy_needs(struct taskapp_check *c,
			     struct taskapp_rollout_req *req)
{
	const char *env_key = getenv("OPENAI_API_KEY");

	if (req->policy == TASKAPP_POLICY_CODE && !req->code)
		taskapp_check_add(c, "missing", "body.policy.config.code",
				  "policy 'code' needs policy.config.code "
				  "(the candidate's C source)", NULL);
	if (req->policy != TASKAPP_POLICY_LLM)
		return;
	if (!req->inference_url)
		taskapp_check_add(c, "missing",
				  "body.policy.config.inference_url",
				  "policy 'llm' needs policy.config."
				  "inference_url", NULL);
	if (!req->model)
		req->model = rv_xstrdup("gpt-4o-mini");
	if (!req->api_key && env_key && *env_key)
		req->api_key = rv_xstrdup(env_key);
	rv_redact_add(req->api_key);
}

bool taskapp_rollout_parse(const char *body, size_t len,
			   struct taskapp_rollout_req *req, json_t **detail)
{
	struct taskapp_check c;
	struct rv_err err = RV_ERR_INIT;
	json_t *v = rv_json_parse(body, len, "request body", &err);
	long long seed;

	memset(req, 0, sizeof(*req));
	taskapp_check_init(&c);
	if (!v) {
		taskapp_check_add(&c, "json_invalid", "body", err.msg, NULL);
		goto out;
	}
	if (!json_is_object(v)) {
		taskapp_check_add(&c, "model_attributes_type", "body",
				  "Input should be a valid dictionary or "
				  "object to extract fields from", v);
		goto out;
	}
	req_identity(&c, v, req);
	taskapp_check_obj(&c, v, "body", "env");
	taskapp_check_obj(&c, v, "body", "env.config");
	taskapp_check_obj(&c, v, "body", "policy");
	taskapp_check_obj(&c, v, "body", "policy.config");
	taskapp_check_obj(&c, v, "body", "safety");
	if (taskapp_check_int(&c, v, "body", "env.seed", &seed))
		req->seed = seed;
	req_policy_config(&c, v, req);
	req_policy_name(&c, v, req);
	req_policy_needs(&c, req);
out:
	json_decref(v);
	if (taskapp_check_ok(&c)) {
		taskapp_check_release(&c);
		return true;
	}
	taskapp_rollout_req_release(req);
	*detail = json_incref(c.errors);
	taskapp_check_release(&c);
	return false;
}

void taskapp_rollout_req_release(struct taskapp_rollout_req *req)
{
	free(req->trace_id);
	free(req->run_id);
	free(req->model);
	free(req->inference_url);
	free(req->api_key);
	free(req->code);
	free(req->system_prompt);
	memset(req, 0, sizeof(*req));
}
