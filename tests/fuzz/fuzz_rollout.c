/*
 * fuzz_rollout: a task app's answer to POST /rollout, as runeval judges
 * it (orchestrator/rollouts.c, rollout_judge): the body of a 200 and the
 * snippet of an error status.
 */
#include "fuzz.h"

#include "answer.h"
#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_redact.h"

#include <math.h>
#include <stdbool.h>

/* One answer judged; every record is ok with a reward or has an error. */
static void fuzz_judge(long status, const uint8_t *data, size_t size)
{
	struct rollout r;

	memset(&r, 0, sizeof(r));
	r.seed = 7;
	rollout_more(&r)->tcid_text = rv_xstrdup("job-1-7");
	rollout_judge(&r, status, (const char *)data, size);
	FUZZ_CHECK(r.http_status == (status > 0 && status < 1000 ? status : 0));
	FUZZ_CHECK(r.ok == !r.error);
	FUZZ_CHECK(!r.error || !strstr(r.error, "s3cr3t-fuzz-key"));
	if (status != 200)
		FUZZ_CHECK(!r.ok && strlen(r.error) < 200);
	if (r.ok)
		FUZZ_CHECK(!isnan(r.reward));
	if (r.details)
		FUZZ_CHECK(strlen(r.details) <= ROLLOUT_DETAILS_MAX);
	/* what the answer says of the outcome stays bounded */
	FUZZ_CHECK(!rollout_success_status(&r) ||
		   strlen(rollout_success_status(&r)) <= ANSWER_STATUS_MAX + 3);
	FUZZ_CHECK(!rollout_status_detail(&r) ||
		   strlen(rollout_status_detail(&r)) <= ANSWER_DETAIL_MAX + 3);
	FUZZ_CHECK(!rollout_task(&r) ||
		   strlen(rollout_task(&r)) <= ANSWER_NAME_MAX + 3);
	FUZZ_CHECK(!rollout_difficulty(&r) ||
		   strlen(rollout_difficulty(&r)) <= ANSWER_NAME_MAX + 3);
	for (int i = 0; i < 3; i++)
		FUZZ_CHECK(rollout_tokens(&r)[i] >= -1 &&
			   rollout_tokens(&r)[i] <= ANSWER_TOKENS_MAX);
	if (r.ok)
		FUZZ_CHECK(rollout_reward_source(&r) != NULL);
	rollout_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool once;

	if (!once) {
		rv_redact_add("s3cr3t-fuzz-key");
		once = true;
	}
	fuzz_judge(200, data, size);
	fuzz_judge(502, data, size);
	return 0;
}
