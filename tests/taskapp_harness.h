/*
 * taskapp_harness: drive a real build/taskapp over HTTP on 127.0.0.1.
 *
 * th_start() launches the binary (own process group, any free port, the
 * key TH_KEY) and parses its "taskapp: listening on http://H:P" line;
 * th_stop() stops it.  Requests go through rv_http (libcurl).  Every
 * helper ck_asserts on a transport failure, so a test reads as a list of
 * expectations.  Responses own their strings and JSON.
 */
#ifndef RUNEVAL_TESTS_TASKAPP_HARNESS_H
#define RUNEVAL_TESTS_TASKAPP_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define TH_KEY "th-env-key-0123456789abcdef"

struct th_app {
	pid_t pid;
	int port;
	char *dir;	/* a scratch directory, removed by th_stop() */
	char *log;	/* dir/taskapp.log: the app's stdout and stderr */
	unsigned uid_base;	/* its sandbox uids: [uid_base, uid_base + 63] */
};

struct th_resp {
	long status;
	char *body;
	json_t *json;	/* NULL when the body is not JSON */
	char *allow;	/* Allow header, or NULL */
	double ms;	/* round trip */
};

/*
 * Start build/taskapp with args (NULL-terminated, may be NULL) and
 * "--host 127.0.0.1 --port 0", environment ENVIRONMENT_API_KEY=TH_KEY and
 * a sandbox uid range of its own (TASKAPP_SANDBOX_UID) plus env (later
 * entries win).
 */
void th_start(struct th_app *a, char *const env[], char *const args[]);

/*
 * Start exactly argv (it must make the app listen on 127.0.0.1) with
 * extra environment env, and wait for its listening line.
 */
void th_start_cmd(struct th_app *a, char *const argv[], char *const env[]);

/* SIGTERM, wait, clean up; returns the wait status. */
int th_stop(struct th_app *a);

/* The app exited and was reaped by the test itself: stop tracking it. */
void th_forget(struct th_app *a);

/* One request: method NULL means GET (POST with a body). */
void th_http(const struct th_app *a, const char *method, const char *path,
	     const char *const *headers, const char *body, struct th_resp *r);
/* GET/POST with X-API-Key: TH_KEY. */
void th_get(const struct th_app *a, const char *path, struct th_resp *r);
void th_post(const struct th_app *a, const char *path, const char *body,
	     struct th_resp *r);
void th_resp_release(struct th_resp *r);

/*
 * A rollout request body: seed, policy (NULL: none), and extra members
 * for policy.config as JSON object text without braces (NULL: none),
 * e.g. "\"timeout\": 5".  Malloc'ed.
 */
char *th_rollout_body(long long seed, const char *policy,
		      const char *config_members);

/* A "code" policy rollout body of C source, plus config members (may be NULL). */
char *th_source_rollout(long long seed, const char *source,
			const char *config_members);

/*
 * A "code" policy rollout body whose candidate is seed's task signature
 * with fn_body as its body (after standard includes and prelude, which
 * may be NULL), plus config members (may be NULL).  Malloc'ed.
 */
char *th_code_rollout(long long seed, const char *prelude, const char *fn_body,
		      const char *config_members);

/* POST /rollout; asserts 200 and returns the response JSON (owned). */
json_t *th_rollout(const struct th_app *a, const char *body);

/*
 * POST n bodies to /rollout from k client threads at once; out[i] gets
 * response i's JSON (NULL when it was not 200 JSON).
 */
void th_rollouts(const struct th_app *a, char *const *bodies, size_t n,
		 unsigned k, json_t **out);

/* reward_info.outcome_reward, or -1. */
double th_reward(const json_t *resp);

/* A C candidate in a JSON string: malloc'ed, quotes included. */
char *th_json_str(const char *s);

/* Processes alive now whose uid is in [lo, hi]. */
int th_count_uid_procs(unsigned lo, unsigned hi);

#endif
