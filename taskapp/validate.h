/*
 * validate: typed reads from a request, collecting FastAPI/pydantic-shaped
 * validation errors for a 422 answer:
 *	{"detail":[{"type":"missing","loc":["body","trace_correlation_id"],
 *	            "msg":"Field required","input":null}, ...]}
 *
 * Locations are dotted ("body.policy.config.timeout"); JSON null counts
 * as absent.  Getters return borrowed values (valid while the request
 * JSON lives) and record an error when a present value has the wrong
 * type.  taskapp_check_release() frees the error list.
 */
#ifndef RUNEVAL_TASKAPP_VALIDATE_H
#define RUNEVAL_TASKAPP_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>

struct taskapp_check {
	json_t *errors;		/* array, owned */
};

void taskapp_check_init(struct taskapp_check *c);
void taskapp_check_release(struct taskapp_check *c);

static inline bool taskapp_check_ok(const struct taskapp_check *c)
{
	return json_array_size(c->errors) == 0;
}

/* Record an error; input is borrowed (copied), may be NULL. */
void taskapp_check_add(struct taskapp_check *c, const char *type,
		       const char *loc, const char *msg, const json_t *input);

/*
 * The value at dotted path key under root (loc = prefix + "." + key
 * names it in errors), or NULL when absent.  required: record "missing".
 */
const json_t *taskapp_check_get(struct taskapp_check *c, const json_t *root,
				const char *prefix, const char *key,
				bool required);

/* An object, or NULL (absent, or wrong type: recorded). */
const json_t *taskapp_check_obj(struct taskapp_check *c, const json_t *root,
				const char *prefix, const char *key);

/* A string, or NULL (absent, or wrong type: recorded). */
const char *taskapp_check_str(struct taskapp_check *c, const json_t *root,
			      const char *prefix, const char *key,
			      bool required);

/*
 * A number (integer, real, or a numeric string as pydantic accepts) that
 * is > 0 into *out; false when absent or invalid (recorded).
 */
bool taskapp_check_pos_num(struct taskapp_check *c, const json_t *root,
			   const char *prefix, const char *key, double *out);

/*
 * An integer (also an integral real or a decimal string) into *out;
 * false when absent or invalid (recorded).  Booleans are refused.
 */
bool taskapp_check_int(struct taskapp_check *c, const json_t *root,
		       const char *prefix, const char *key, long long *out);

/* Parse a decimal integer from text (whole string); false if it is not. */
bool taskapp_parse_int(const char *s, long long *out);

#endif
