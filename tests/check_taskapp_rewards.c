/*
 * Every task's reference solution earns reward 1 and the noop candidate
 * reward 0, for seeds 0..99: 200 real rollouts (compile and run) against
 * one task app, eight at a time.
 */
#include "testutil.h"

#include "minibench.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"
#include "taskapp_harness.h"

#include <stdio.h>
#include <string.h>

#define SEEDS 100
#define CLIENTS 8

START_TEST(test_taskapp_reference_and_noop_rewards)
{
	struct th_app app;
	char *bodies[2 * SEEDS];
	json_t *out[2 * SEEDS] = { NULL };
	bool task_seen[512] = { false };
	uint64_t t0;
	int bad = 0;

	th_start(&app, NULL, NULL);
	for (int s = 0; s < SEEDS; s++) {
		bodies[2 * s] = th_rollout_body(s, "reference", NULL);
		bodies[2 * s + 1] = th_rollout_body(s, "noop", NULL);
	}
	t0 = rv_now_ns();
	th_rollouts(&app, bodies, 2 * SEEDS, CLIENTS, out);
	fprintf(stderr, "rewards: %d rollouts in %.1f s\n", 2 * SEEDS,
		(double)(rv_now_ns() - t0) / 1e9);
	for (int i = 0; i < 2 * SEEDS; i++) {
		int seed = i / 2;
		bool ref = i % 2 == 0;
		const char *task = rv_json_str(out[i], "reward_info.details.task_id");
		double r = th_reward(out[i]);

		if (!out[i] || r != (ref ? 1.0 : 0.0) ||
		    strcmp(rv_json_str(out[i], "success_status"), "success") ||
		    !task || strcmp(task, minibench_for_seed(seed)->id)) {
			char *dump = out[i] ? rv_json_dumps(out[i]) : NULL;

			fprintf(stderr, "seed %d %s: reward %g: %.1500s\n", seed,
				ref ? "reference" : "noop", r, dump ? dump : "(none)");
			free(dump);
			bad++;
		}
		for (size_t k = 0; task && k < minibench_count() && k < 512; k++)
			if (!strcmp(minibench_task(k)->id, task))
				task_seen[k] = true;
	}
	ck_assert_int_eq(bad, 0);
	/* seeds 0..99 reach every task */
	for (size_t k = 0; k < minibench_count() && k < 512; k++)
		ck_assert_msg(task_seen[k], "task '%s' never ran",
			      minibench_task(k)->id);
	for (int i = 0; i < 2 * SEEDS; i++) {
		json_decref(out[i]);
		free(bodies[i]);
	}
	th_stop(&app);
}
END_TEST

static Suite *rewards_suite(void)
{
	Suite *s = suite_create("taskapp_rewards");
	TCase *tc = tcase_create("sweep");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_taskapp_reference_and_noop_rewards);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(rewards_suite()) ? 1 : 0;
}
