/* appinfo: the task app's GET /info (see appinfo.h). */
#include "appinfo.h"

#include "answer.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_http.h"
#include "rv_json.h"

#include <string.h>

/*
 * s redacted (the app may echo a secret of its environment: it goes to
 * result.json and every report) and cut to APP_INFO_STR_MAX bytes
 * (malloc'ed), or NULL.
 */
static char *app_info_str(const json_t *v)
{
	const char *s = json_string_value(v);

	return s ? answer_text(s, APP_INFO_STR_MAX) : NULL;
}

static void app_info_parse(const json_t *o, struct app_info *ai)
{
	const json_t *svc = json_object_get(o, "service");
	const json_t *task = json_object_get(svc, "task");
	const json_t *pol = json_object_get(o, "policies"), *p;
	size_t i;

	ai->known = true;
	ai->id = app_info_str(json_object_get(task, "id"));
	ai->name = app_info_str(json_object_get(task, "name"));
	ai->version = app_info_str(json_object_get(task, "version"));
	if (!ai->version)
		ai->version = app_info_str(json_object_get(svc, "version"));
	if (!json_is_array(pol))
		return;
	ai->policies = rv_xcalloc(APP_INFO_MAX_POLICIES, sizeof(char *));
	json_array_foreach(pol, i, p) {
		char *name = app_info_str(json_is_object(p) ?
					  json_object_get(p, "name") : p);

		if (name && ai->n_policies < APP_INFO_MAX_POLICIES)
			ai->policies[ai->n_policies++] = name;
		else
			free(name);
	}
}

void app_info_fetch(const char *base_url, const char *const *headers,
		    long timeout_ms, struct app_info *out)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct rv_http_request req = {
		.url = NULL, .headers = headers, .timeout_ms = timeout_ms,
		.max_response = 1 << 20,
	};
	char *url = rv_xasprintf("%s/info", base_url);
	json_t *o = NULL;

	app_info_release(out);
	req.url = url;
	if (rv_http_do(&req, &resp, NULL) == RV_OK && resp.status == 200)
		o = json_loadb(resp.body.data, resp.body.len, 0, NULL);
	if (json_is_object(o))
		app_info_parse(o, out);
	json_decref(o);
	rv_http_response_release(&resp);
	free(url);
}

enum rv_code app_info_check_policy(const struct app_info *ai,
				   const char *policy, struct rv_err *err)
{
	struct rv_buf list = RV_BUF_INIT;
	enum rv_code rc;

	if (!ai->known || !ai->n_policies)
		return RV_OK;
	for (size_t i = 0; i < ai->n_policies; i++)
		if (!strcmp(ai->policies[i], policy))
			return RV_OK;
	for (size_t i = 0; i < ai->n_policies; i++)
		rv_buf_addf(&list, "%s%s", i ? ", " : "", ai->policies[i]);
	rc = rv_errf(err, RV_ERR_USAGE, "policy '%s' is not one the task app "
		     "offers (%s); check '--policy'", policy, list.data);
	rv_buf_release(&list);
	return rc;
}

/* s as JSON: a string, null when NULL or not UTF-8 (a cut one). */
static json_t *app_info_jstr(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;

	return v ? v : json_null();
}

json_t *app_info_json(const struct app_info *ai)
{
	json_t *o, *pol;

	if (!ai->known)
		return json_null();
	pol = ai->policies ? json_array() : json_null();
	for (size_t i = 0; i < ai->n_policies; i++)
		json_array_append_new(pol, app_info_jstr(ai->policies[i]));
	o = json_object();
	json_object_set_new(o, "id", app_info_jstr(ai->id));
	json_object_set_new(o, "name", app_info_jstr(ai->name));
	json_object_set_new(o, "version", app_info_jstr(ai->version));
	json_object_set_new(o, "policies", pol);
	return o;
}

void app_info_take(struct app_info *dst, struct app_info *src)
{
	app_info_release(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

void app_info_release(struct app_info *ai)
{
	for (size_t i = 0; i < ai->n_policies; i++)
		free(ai->policies[i]);
	free(ai->policies);
	free(ai->id);
	free(ai->name);
	free(ai->version);
	memset(ai, 0, sizeof(*ai));
}
