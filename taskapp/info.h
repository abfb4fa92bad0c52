/*
 * info: the bodies of GET /, /health, /info and /task_info, and the
 * error bodies every route shares.  Each function returns a new
 * reference; nothing here fails.
 */
#ifndef RUNEVAL_TASKAPP_INFO_H
#define RUNEVAL_TASKAPP_INFO_H

#include <jansson.h>
#include <stddef.h>

struct taskapp_app;

#define TASKAPP_SERVICE "minibench"

/* Work in progress right now, for /health. */
struct taskapp_load {
	unsigned running;	/* rollouts on workers */
	unsigned queued;	/* rollouts waiting for a worker */
	unsigned long long done;	/* rollouts answered since start */
};

json_t *taskapp_info_root(void);
json_t *taskapp_info_health(const struct taskapp_app *app,
			    const struct taskapp_load *load);
json_t *taskapp_info_info(const struct taskapp_app *app);
json_t *taskapp_info_taskset(void);
/* One seed's TaskInfo. */
json_t *taskapp_info_instance(const struct taskapp_app *app, long long seed);

/* {"detail":{"error":{"code":code,"message":msg}}} */
json_t *taskapp_error_body(const char *code, const char *msg);
/* {"detail":text} as FastAPI answers 404/405 */
json_t *taskapp_detail_body(const char *text);

#endif
