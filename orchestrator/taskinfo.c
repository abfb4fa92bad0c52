/* taskinfo: GET /task_info after the rollouts (see taskinfo.h). */
#include "taskinfo.h"

#include "answer.h"
#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_http.h"
#include "rv_json.h"

#include <stdlib.h>
#include <string.h>

#define TASKINFO_MAX_RESPONSE (4u << 20)

/* GET url: the JSON of a 200, or NULL. */
static json_t *taskinfo_get(const char *url, const char *const *headers)
{
	struct rv_http_request req = {
		.method = "GET", .url = url, .headers = headers,
		.timeout_ms = TASKINFO_TIMEOUT_MS,
		.connect_timeout_ms = TASKINFO_TIMEOUT_MS,
		.max_response = TASKINFO_MAX_RESPONSE,
	};
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	json_t *v = NULL;

	if (rv_http_do(&req, &resp, NULL) == RV_OK && resp.status == 200)
		v = rv_json_parse(resp.body.data, resp.body.len, "task info",
				  NULL);
	rv_http_response_release(&resp);
	return v;
}

static int taskinfo_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* The distinct seeds of records that named no task, at most max. */
static size_t taskinfo_seeds(const struct rollout *rs, size_t n, long *out,
			     size_t max)
{
	size_t m = 0, k = 0;

	for (size_t i = 0; i < n && m < max * 4; i++)
		if (!rollout_task(&rs[i]) && rs[i].state == ROLLOUT_DONE)
			out[m++] = rs[i].seed;
	qsort(out, m, sizeof(*out), taskinfo_cmp);
	for (size_t i = 0; i < m && k < max; i++)
		if (!k || out[k - 1] != out[i])
			out[k++] = out[i];
	return k;
}

/* Instance i of an answer for n seeds (an object for one, else a list). */
static const json_t *taskinfo_instance(const json_t *v, size_t n, size_t i)
{
	if (n == 1)
		return json_is_object(v) ? v : NULL;
	if (!json_is_array(v) || json_array_size(v) != n)
		return NULL;	/* cannot tell which is which */
	return json_array_get(v, i);
}

/* Does the instance name another seed than the one asked for? */
static bool taskinfo_other_seed(const json_t *inst, long seed)
{
	static const char *const paths[] = { "task_metadata.seed",
					     "dataset.seed" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
		json_t *s = rv_json_path(inst, paths[i]);

		if (json_is_integer(s) && json_integer_value(s) != seed)
			return true;
	}
	return false;
}

/* One request for k seeds; false when the app gave no answer. */
static bool taskinfo_batch(const char *base_url, const char *const *headers,
			   const long *seeds, size_t k, struct rollout *rs,
			   size_t n, pthread_mutex_t *lock)
{
	bool answered;
	struct rv_buf url = RV_BUF_INIT;
	json_t *v;

	rv_buf_addf(&url, "%s/task_info", base_url);
	for (size_t i = 0; i < k; i++)
		rv_buf_addf(&url, "%cseed=%ld", i ? '&' : '?', seeds[i]);
	v = taskinfo_get(url.data, headers);
	answered = v != NULL;
	if (lock)
		pthread_mutex_lock(lock);
	for (size_t i = 0; v && i < k; i++) {
		const json_t *inst = taskinfo_instance(v, k, i);

		if (!json_is_object(inst) || taskinfo_other_seed(inst, seeds[i]))
			continue;
		for (size_t j = 0; j < n; j++)
			if (rs[j].seed == seeds[i])
				answer_task_info(inst, &rs[j]);
	}
	if (lock)
		pthread_mutex_unlock(lock);
	json_decref(v);
	rv_buf_release(&url);
	return answered;
}

void taskinfo_fill(const char *base_url, const char *const *headers,
		   struct rollout *rs, size_t n, const volatile int *cancel,
		   pthread_mutex_t *lock)
{
	long *seeds;
	size_t k;

	if (!base_url || (cancel && *cancel))
		return;
	seeds = rv_xcalloc(TASKINFO_MAX_SEEDS * 4 + 1, sizeof(*seeds));
	if (lock)
		pthread_mutex_lock(lock);
	k = taskinfo_seeds(rs, n, seeds, TASKINFO_MAX_SEEDS);
	if (lock)
		pthread_mutex_unlock(lock);
	/* an app without /task_info is asked once */
	for (size_t i = 0; i < k && !(cancel && *cancel); i += TASKINFO_BATCH)
		if (!taskinfo_batch(base_url, headers, seeds + i,
				    k - i < TASKINFO_BATCH ? k - i :
				    TASKINFO_BATCH, rs, n, lock))
			break;
	free(seeds);
}
