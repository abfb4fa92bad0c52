#include "routes.h"

#include "app.h"
#include "info.h"
#include "rv_alloc.h"
#include "validate.h"

#include <string.h>

#define ROUTES_MAX_SEEDS 1000

struct route_def {
	const char *path;
	enum taskapp_route route;
	bool post;		/* POST only; else GET and HEAD */
	bool open;		/* no auth */
};

static const struct route_def route_defs[] = {
	{ "/", TASKAPP_ROUTE_ROOT, false, true },
	{ "/health", TASKAPP_ROUTE_HEALTH, false, false },
	{ "/info", TASKAPP_ROUTE_INFO, false, false },
	{ "/task_info", TASKAPP_ROUTE_TASK_INFO, false, false },
	{ "/rollout", TASKAPP_ROUTE_ROLLOUT, true, false },
	{ "/done", TASKAPP_ROUTE_DONE, true, false },
};

void taskapp_reply_set(struct taskapp_reply *r, int status, json_t *body)
{
	json_decref(r->body);
	r->status = status;
	r->body = body;
}

void taskapp_reply_release(struct taskapp_reply *r)
{
	json_decref(r->body);
	memset(r, 0, sizeof(*r));
}

static void route_unauthorised(const struct taskapp_auth_headers *h,
			       struct taskapp_reply *r)
{
	json_t *body = taskapp_error_body("unauthorised",
					  "API key missing or invalid");
	json_t *e = json_object_get(json_object_get(body, "detail"), "error");

	json_object_set_new(e, "have_x_api_key", json_boolean(h->x_api_key));
	json_object_set_new(e, "have_x_api_keys", json_boolean(h->x_api_keys));
	json_object_set_new(e, "have_authorization",
			    json_boolean(h->authorization));
	taskapp_reply_set(r, 400, body);
}

bool taskapp_route_begin(const struct taskapp_app *app, enum taskapp_method m,
			 const char *path,
			 const struct taskapp_auth_headers *auth,
			 long long content_length, enum taskapp_route *route,
			 struct taskapp_reply *r)
{
	const struct route_def *d = NULL;

	memset(r, 0, sizeof(*r));
	*route = TASKAPP_ROUTE_NONE;
	for (size_t i = 0; i < sizeof(route_defs) / sizeof(*route_defs); i++)
		if (!strcmp(path, route_defs[i].path))
			d = &route_defs[i];
	if (!d) {
		taskapp_reply_set(r, 404, taskapp_detail_body("Not Found"));
		return true;
	}
	if (d->post ? m != TASKAPP_POST : m != TASKAPP_GET && m != TASKAPP_HEAD) {
		taskapp_reply_set(r, 405, taskapp_detail_body("Method Not Allowed"));
		r->allow = d->post ? "POST" : "GET, HEAD";
		return true;
	}
	*route = d->route;
	if (d->open)
		return false;
	switch (taskapp_auth_check(&app->auth, auth)) {
	case TASKAPP_AUTH_OK:
		break;
	case TASKAPP_AUTH_UNCONFIGURED:
		taskapp_reply_set(r, 503, taskapp_error_body(
			"missing_environment_api_key",
			"ENVIRONMENT_API_KEY is not configured"));
		return true;
	case TASKAPP_AUTH_DENIED:
		route_unauthorised(auth, r);
		return true;
	}
	if (content_length > (long long)TASKAPP_MAX_BODY) {
		taskapp_reply_set(r, 413, taskapp_error_body("payload_too_large",
			"request body is larger than 1 MiB"));
		return true;
	}
	return false;
}

/* Add the seeds in one query value ("5", or "5,6,7") to seeds. */
static bool route_seed_value(const char *name, const char *value,
			     json_t *seeds, struct taskapp_check *c)
{
	char *copy = rv_xstrdup(value), *save = NULL;
	bool ok = true;

	for (char *tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		long long seed;
		char loc[16];

		if (!taskapp_parse_int(tok, &seed)) {
			json_t *in = json_string(tok);

			snprintf(loc, sizeof(loc), "query.%s", name);
			taskapp_check_add(c, "int_parsing", loc, "Input should "
					  "be a valid integer, unable to parse "
					  "string as an integer", in);
			json_decref(in);
			ok = false;
		} else if (json_array_size(seeds) < ROUTES_MAX_SEEDS) {
			json_array_append_new(seeds, json_integer(seed));
		}
	}
	free(copy);
	return ok;
}

static void route_task_info(const struct taskapp_app *app, char *const *query,
			    size_t nquery, struct taskapp_reply *r)
{
	struct taskapp_check c;
	json_t *seeds = json_array(), *out;
	size_t i;
	json_t *s;

	taskapp_check_init(&c);
	for (i = 0; i < nquery; i++) {
		const char *q = query[i];

		if (!strncmp(q, "seed=", 5))
			route_seed_value("seed", q + 5, seeds, &c);
		else if (!strncmp(q, "seeds=", 6))
			route_seed_value("seeds", q + 6, seeds, &c);
	}
	if (!taskapp_check_ok(&c)) {
		taskapp_reply_set(r, 422, json_pack("{s:O}", "detail", c.errors));
	} else if (json_array_size(seeds) == 0) {
		taskapp_reply_set(r, 200, taskapp_info_taskset());
	} else if (json_array_size(seeds) == 1) {
		taskapp_reply_set(r, 200, taskapp_info_instance(app,
			json_integer_value(json_array_get(seeds, 0))));
	} else {
		out = json_array();
		json_array_foreach(seeds, i, s)
			json_array_append_new(out, taskapp_info_instance(app,
				json_integer_value(s)));
		taskapp_reply_set(r, 200, out);
	}
	json_decref(seeds);
	taskapp_check_release(&c);
}

void taskapp_route_get(const struct taskapp_app *app, enum taskapp_route route,
		       char *const *query, size_t nquery,
		       const struct taskapp_load *load, struct taskapp_reply *r)
{
	switch (route) {
	case TASKAPP_ROUTE_ROOT:
		taskapp_reply_set(r, 200, taskapp_info_root());
		break;
	case TASKAPP_ROUTE_HEALTH:
		taskapp_reply_set(r, 200, taskapp_info_health(app, load));
		break;
	case TASKAPP_ROUTE_INFO:
		taskapp_reply_set(r, 200, taskapp_info_info(app));
		break;
	case TASKAPP_ROUTE_TASK_INFO:
		route_task_info(app, query, nquery, r);
		break;
	default:
		taskapp_reply_set(r, 404, taskapp_detail_body("Not Found"));
	}
}
