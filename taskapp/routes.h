/*
 * routes: what each request gets, independent of the HTTP library.
 *
 *	GET|HEAD /		no auth	{"status":"ok","service":"minibench"}
 *	GET|HEAD /health	auth	health, compiler, sandbox, load
 *	GET|HEAD /info		auth	service, dataset, limits, compiler, ...
 *	GET|HEAD /task_info	auth	?seed=N&seeds=M... (repeatable)
 *	POST /rollout		auth	one rollout (on a worker: server.c)
 *	POST /done		auth	{"ok":true,"service":"minibench"}
 *
 * 404 {"detail":"Not Found"} for other paths, 405 {"detail":"Method Not
 * Allowed"} (with Allow) for other methods, 503/400 from auth, 413 for a
 * body over TASKAPP_MAX_BODY, 422 {"detail":[...]} for invalid input.
 * Replies own their body (release with taskapp_reply_release()).
 */
#ifndef RUNEVAL_TASKAPP_ROUTES_H
#define RUNEVAL_TASKAPP_ROUTES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "auth.h"

struct taskapp_app;
struct taskapp_load;

enum taskapp_route {
	TASKAPP_ROUTE_NONE,
	TASKAPP_ROUTE_ROOT,
	TASKAPP_ROUTE_HEALTH,
	TASKAPP_ROUTE_INFO,
	TASKAPP_ROUTE_TASK_INFO,
	TASKAPP_ROUTE_ROLLOUT,
	TASKAPP_ROUTE_DONE,
};

enum taskapp_method {
	TASKAPP_GET,
	TASKAPP_HEAD,
	TASKAPP_POST,
	TASKAPP_OTHER,
};

struct taskapp_reply {
	int status;
	json_t *body;		/* owned */
	const char *allow;	/* Allow header (405), or NULL */
};

/*
 * First look at a request, once its headers are in: route, method, auth,
 * declared size (content_length < 0: none).  true when *r is the answer;
 * false when the request goes on (*route says where; for POST, read the
 * body first).
 */
bool taskapp_route_begin(const struct taskapp_app *app, enum taskapp_method m,
			 const char *path,
			 const struct taskapp_auth_headers *auth,
			 long long content_length, enum taskapp_route *route,
			 struct taskapp_reply *r);

/*
 * Answer a GET/HEAD route (not /rollout).  query holds the decoded
 * "name=value" query fragments.
 */
void taskapp_route_get(const struct taskapp_app *app, enum taskapp_route route,
		       char *const *query, size_t nquery,
		       const struct taskapp_load *load, struct taskapp_reply *r);

/* Fill r; takes body. */
void taskapp_reply_set(struct taskapp_reply *r, int status, json_t *body);
void taskapp_reply_release(struct taskapp_reply *r);

#endif
