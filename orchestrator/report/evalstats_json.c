/* The outcome of an eval as JSON (see evalstats.h). */
#include "evalstats.h"

#include <math.h>
#include <stdio.h>

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *count(size_t n)
{
	return json_integer((json_int_t)n);
}

json_t *evalstats_json_str(const char *s)
{
	json_t *v = s ? json_string(s) : json_null();

	return v ? v : json_string("(invalid UTF-8)");
}

static json_t *pass_at_json(const struct evalstats *e, enum evalstats_by by,
			    int index)
{
	json_t *o = json_object();
	size_t ks[24], n = evalstats_ks(e, ks), max_k;
	char key[32];

	for (size_t i = 0; i < n; i++) {
		double p = evalstats_pass_at(e, ks[i], by, index, &max_k);

		if (ks[i] > max_k)
			continue;
		snprintf(key, sizeof(key), "%zu", ks[i]);
		json_object_set_new(o, key, num(p));
	}
	return o;
}

static json_t *slices_json(const struct evalstats *e,
			   const struct evalstats_slice *s, size_t n,
			   const char *key, enum evalstats_by by)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack(
			"{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			key, evalstats_json_str(s[i].name), "rollouts", count(s[i].n),
			"completed", count(s[i].completed),
			"passed", count(s[i].passed),
			"failures", count(s[i].failures),
			"mean_reward", num(s[i].mean_reward),
			"pass_rate", num(s[i].n ? (double)s[i].passed /
					 (double)s[i].n : NAN),
			"pass_at_k", pass_at_json(e, by, (int)i)));
	return a;
}

static json_t *statuses_json(const struct evalstats *e)
{
	json_t *o = json_object();

	for (size_t i = 0; i < e->n_statuses; i++) {
		json_t *k = evalstats_json_str(e->statuses[i].name);

		json_object_set_new(o, json_string_value(k),
				    count(e->statuses[i].n));
		json_decref(k);
	}
	return o;
}

static json_t *seeds_json(const struct evalstats *e)
{
	json_t *a = json_array();

	for (size_t i = 0; i < e->n_seeds; i++) {
		const struct evalstats_seed *s = &e->seeds[i];

		json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:o, s:o}",
			"seed", (json_int_t)s->seed, "rollouts", count(s->n),
			"completed", count(s->completed),
			"passed", count(s->passed),
			"mean_reward", num(s->mean_reward)));
	}
	return a;
}

json_t *evalstats_json(const struct evalstats *e, bool per_seed)
{
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"rollouts", count(e->n), "seeds", count(e->n_seeds),
		"epochs", count(e->epochs), "completed", count(e->completed),
		"ok", count(e->ok), "pipeline_failures", count(e->pipeline),
		"transport_failures", count(e->transport));

	json_object_set_new(o, "mean_reward", num(e->reward.mean));
	json_object_set_new(o, "mean_reward_sd", num(e->reward.sd));
	json_object_set_new(o, "mean_reward_stderr", num(e->reward.se));
	json_object_set_new(o, "mean_reward_ci95", isfinite(e->reward.lo) ?
			    json_pack("[o, o]", num(e->reward.lo),
				      num(e->reward.hi)) : json_null());
	json_object_set_new(o, "mean_reward_all", num(e->mean_reward_all));
	json_object_set_new(o, "pass_threshold", num(e->threshold));
	json_object_set_new(o, "passed", count(e->passed));
	json_object_set_new(o, "pass_rate", num(e->pass_rate));
	json_object_set_new(o, "pass_at_k", pass_at_json(e, EVALSTATS_ALL, 0));
	json_object_set_new(o, "statuses", statuses_json(e));
	json_object_set_new(o, "tasks", slices_json(e, e->tasks, e->n_tasks,
						    "task", EVALSTATS_TASK));
	json_object_set_new(o, "difficulties", slices_json(e, e->difficulties,
		e->n_difficulties, "difficulty", EVALSTATS_DIFFICULTY));
	json_object_set_new(o, "tokens", e->token_rollouts ? json_pack(
		"{s:o, s:I, s:I, s:I}", "rollouts", count(e->token_rollouts),
		"prompt", (json_int_t)e->tokens[0],
		"completion", (json_int_t)e->tokens[1],
		"total", (json_int_t)e->tokens[2]) : json_null());
	if (per_seed)
		json_object_set_new(o, "per_seed", seeds_json(e));
	return o;
}
