/* answer: the outcome fields of a task app's answer (see answer.h). */
#include "answer.h"

#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_intern.h"
#include "rv_json.h"
#include "rv_redact.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

char *answer_text(const char *s, size_t max)
{
	char *r = rv_redact(s), *cut;

	if (strlen(r) <= max)
		return r;
	while (max && ((unsigned char)r[max] & 0xc0) == 0x80)
		max--;
	cut = rv_xasprintf("%.*s...", (int)max, r);
	free(r);
	return cut;
}

/* answer_text(s, max), interned (rv_intern): a word few values take. */
static const char *answer_word(const char *s, size_t max)
{
	char *text = answer_text(s, max);
	const char *word = rv_intern(text, SIZE_MAX);

	free(text);
	return word;
}

/* The first of keys in obj that is a non-empty string, as answer_word. */
static const char *answer_first(const json_t *obj, const char *const *keys,
				size_t max)
{
	for (; *keys; keys++) {
		const char *s = json_string_value(json_object_get(obj, *keys));

		if (s && *s)
			return answer_word(s, max);
	}
	return NULL;
}

static const json_t *answer_details(const json_t *v)
{
	const json_t *d = rv_json_path(v, "reward_info.details");

	return json_is_object(d) ? d : rv_json_path(v, "metrics.details");
}

/* The task's name and difficulty in obj, for what is not known yet. */
static void answer_names(const json_t *obj, const char *const *task,
			 const char **name, const char **difficulty)
{
	static const char *const diff[] = { "difficulty", "difficulty_split",
					    NULL };

	if (!json_is_object(obj))
		return;
	if (!*name)
		*name = answer_first(obj, task, ANSWER_NAME_MAX);
	if (!*difficulty)
		*difficulty = answer_first(obj, diff, ANSWER_NAME_MAX);
}

/* A token count: a whole number in range, else -1. */
static int64_t answer_count(const json_t *obj, const char *a, const char *b)
{
	const json_t *x = json_object_get(obj, a);
	double v;

	if (!json_is_number(x) && b)
		x = json_object_get(obj, b);
	if (!json_is_number(x))
		return -1;
	v = json_number_value(x);
	if (!(v >= 0) || v > ANSWER_TOKENS_MAX || v != floor(v))
		return -1;
	return (int64_t)v;
}

static void answer_tokens(const json_t *v, const json_t *d, int64_t t[3])
{
	const json_t *where[] = { json_object_get(d, "usage"), d,
				  json_object_get(v, "usage"),
				  rv_json_path(v, "trace.usage") };

	for (size_t i = 0; i < sizeof(where) / sizeof(*where); i++) {
		const json_t *o = where[i];

		if (!json_is_object(o))
			continue;
		t[0] = answer_count(o, "prompt_tokens", "input_tokens");
		t[1] = answer_count(o, "completion_tokens", "output_tokens");
		t[2] = answer_count(o, "total_tokens", o == d ? "tokens" : NULL);
		if (t[0] >= 0 || t[1] >= 0 || t[2] >= 0)
			return;
	}
}

void answer_read(const json_t *v, struct rollout *r)
{
	const json_t *st = json_object_get(v, "success_status");
	const char *detail = json_string_value(json_object_get(v,
							       "status_detail"));
	const json_t *d = answer_details(v);
	const char *status = NULL, *task = NULL, *diff = NULL;
	char *text = NULL;
	int64_t t[3] = { -1, -1, -1 };
	struct rollout_more *m;

	if (json_is_string(st))
		status = answer_word(json_string_value(st), ANSWER_STATUS_MAX);
	else if (st && !json_is_null(st))
		status = rv_intern(ANSWER_INVALID_STATUS, SIZE_MAX);
	if (detail)
		text = answer_text(detail, ANSWER_DETAIL_MAX);
	answer_names(d, (const char *const[]){ "task_name", "task", "task_id",
					      NULL }, &task, &diff);
	answer_tokens(v, json_is_object(d) ? d : NULL, t);
	if (!r->more && !status && !text && !task && !diff && t[0] < 0 &&
	    t[1] < 0 && t[2] < 0)
		return;		/* most answers: nothing to keep */
	rollout_set_status_detail(r, text);
	m = rollout_more(r);
	m->success_status = status;
	m->task = task;
	m->difficulty = diff;
	memcpy(m->tokens, t, sizeof(t));
}

void answer_task_info(const json_t *inst, struct rollout *r)
{
	const char *task = NULL, *diff = NULL;
	struct rollout_more *m;

	if (rollout_task(r) && rollout_difficulty(r))
		return;
	answer_names(json_object_get(inst, "task_metadata"),
		     (const char *const[]){ "task_name", "name", "task",
					    "task_id", NULL }, &task, &diff);
	if (!task && !diff)
		return;
	m = rollout_more(r);
	if (!m->task)
		m->task = task;
	if (!m->difficulty)
		m->difficulty = diff;
}
