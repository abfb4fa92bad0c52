#include "validate.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_json.h"
#include "rv_term.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void taskapp_check_init(struct taskapp_check *c)
{
	c->errors = json_array();
}

void taskapp_check_release(struct taskapp_check *c)
{
	json_decref(c->errors);
	c->errors = NULL;
}

static json_t *check_loc(const char *loc)
{
	json_t *arr = json_array();
	const char *p = loc;

	while (*p) {
		size_t n = strcspn(p, ".");

		json_array_append_new(arr, json_stringn(p, n));
		p += n;
		if (*p == '.')
			p++;
	}
	return arr;
}

/*
 * A message as a JSON string.  One that quotes the request (a parser's
 * "near '...'", a name cut at a byte limit) may not be UTF-8, which
 * json_string refuses: it is then escaped (rv_term_escape writes the
 * bytes that are not UTF-8 as \xNN), so that the error is never lost.
 */
static json_t *check_msg(const char *msg)
{
	struct rv_buf text = RV_BUF_INIT;
	json_t *v = json_string(msg);

	if (v)
		return v;
	rv_term_escape(&text, msg, strlen(msg), false);
	v = json_string(text.data);
	rv_buf_release(&text);
	return v;
}

void taskapp_check_add(struct taskapp_check *c, const char *type,
		       const char *loc, const char *msg, const json_t *input)
{
	json_t *e = json_pack("{s:s, s:o, s:o}", "type", type, "loc",
			      check_loc(loc), "msg", check_msg(msg));

	if (!e)	/* a dropped error would let a bad request through */
		rv_bug("validate: cannot record error '%s' at '%s'", type, loc);

	json_object_set_new(e, "input", input ? json_deep_copy(input) :
			    json_null());
	json_array_append_new(c->errors, e);
}

static char *check_where(const char *prefix, const char *key)
{
	return rv_xasprintf("%s.%s", prefix, key);
}

const json_t *taskapp_check_get(struct taskapp_check *c, const json_t *root,
				const char *prefix, const char *key,
				bool required)
{
	const json_t *v = root ? rv_json_path(root, key) : NULL;

	if (v && json_is_null(v))
		v = NULL;
	if (!v && required) {
		char *loc = check_where(prefix, key);

		taskapp_check_add(c, "missing", loc, "Field required", NULL);
		free(loc);
	}
	return v;
}

static void check_type(struct taskapp_check *c, const char *prefix,
		       const char *key, const char *type, const char *msg,
		       const json_t *v)
{
	char *loc = check_where(prefix, key);

	taskapp_check_add(c, type, loc, msg, v);
	free(loc);
}

const json_t *taskapp_check_obj(struct taskapp_check *c, const json_t *root,
				const char *prefix, const char *key)
{
	const json_t *v = taskapp_check_get(c, root, prefix, key, false);

	if (v && !json_is_object(v)) {
		check_type(c, prefix, key, "dict_type",
			   "Input should be a valid dictionary", v);
		return NULL;
	}
	return v;
}

const char *taskapp_check_str(struct taskapp_check *c, const json_t *root,
			      const char *prefix, const char *key,
			      bool required)
{
	const json_t *v = taskapp_check_get(c, root, prefix, key, required);

	if (v && !json_is_string(v)) {
		check_type(c, prefix, key, "string_type",
			   "Input should be a valid string", v);
		return NULL;
	}
	return json_string_value(v);
}

bool taskapp_parse_int(const char *s, long long *out)
{
	char *end;
	long long v;

	while (*s == ' ')
		s++;
	if (!*s)
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	while (*end == ' ')
		end++;
	if (*end || errno)
		return false;
	*out = v;
	return true;
}

static bool check_number(const json_t *v, double *out)
{
	char *end;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return true;
	}
	if (!json_is_string(v))
		return false;
	*out = strtod(json_string_value(v), &end);
	return end != json_string_value(v) && !*end && isfinite(*out);
}

bool taskapp_check_pos_num(struct taskapp_check *c, const json_t *root,
			   const char *prefix, const char *key, double *out)
{
	const json_t *v = taskapp_check_get(c, root, prefix, key, false);
	double d;

	if (!v)
		return false;
	if (!check_number(v, &d)) {
		check_type(c, prefix, key, "float_type",
			   "Input should be a valid number", v);
		return false;
	}
	if (!(d > 0)) {
		check_type(c, prefix, key, "greater_than",
			   "Input should be greater than 0", v);
		return false;
	}
	*out = d;
	return true;
}

bool taskapp_check_int(struct taskapp_check *c, const json_t *root,
		       const char *prefix, const char *key, long long *out)
{
	const json_t *v = taskapp_check_get(c, root, prefix, key, false);
	double d;

	if (!v)
		return false;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (json_is_string(v) && taskapp_parse_int(json_string_value(v), out))
		return true;
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d == floor(d) && fabs(d) < 9e15) {
			*out = (long long)d;
			return true;
		}
		check_type(c, prefix, key, "int_from_float",
			   "Input should be a valid integer, got a number "
			   "with a fractional part", v);
		return false;
	}
	check_type(c, prefix, key, json_is_string(v) ? "int_parsing" :
		   "int_type", json_is_string(v) ? "Input should be a valid "
		   "integer, unable to parse string as an integer" :
		   "Input should be a valid integer", v);
	return false;
}
