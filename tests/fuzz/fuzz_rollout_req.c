/*
 * fuzz_rollout_req: a POST /rollout body as the task app reads it
 * (taskapp/rollout_req.c, taskapp_rollout_parse), and the 422 "detail"
 * it answers with.
 */
#include "fuzz.h"

#include "rollout.h"
#include "rv_redact.h"

#include <stdbool.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct taskapp_rollout_req req;
	json_t *detail = NULL;
	char *text;

	unsetenv("OPENAI_API_KEY");
	if (taskapp_rollout_parse((const char *)data, size, &req, &detail)) {
		FUZZ_CHECK(!detail);
		FUZZ_CHECK(req.trace_id);
		FUZZ_CHECK(req.max_turns >= 1 && req.max_turns <= 20);
		FUZZ_CHECK(req.temperature == -1 || req.temperature >= 0);
		FUZZ_CHECK(req.max_tokens >= 0 && req.max_memory_mb >= 0);
		FUZZ_CHECK(req.timeout_s >= 0 && req.max_time_s >= 0);
		FUZZ_CHECK(req.policy != TASKAPP_POLICY_CODE || req.code);
		taskapp_rollout_req_release(&req);
	} else {
		/* what the 422 answer is made of */
		FUZZ_CHECK(json_is_array(detail) && json_array_size(detail));
		text = json_dumps(detail, JSON_COMPACT);
		FUZZ_CHECK(text);
		free(text);
		json_decref(detail);
	}
	rv_redact_reset();	/* the llm policy registers its api_key */
	return 0;
}
