/*
 * report_jscan: a small strict JSON scanner for the reporter's hot path.
 *
 * jansson builds a tree with a hash table per object, which costs about
 * 5 us a span line; a million span lines must be read in well under a
 * second, so span lines are scanned here instead: one pass, no tree, no
 * allocation but the decoded strings.  It accepts exactly RFC 8259 JSON
 * (UTF-8 checked, no NUL in strings, lone surrogates refused, nesting at
 * most 64 deep), so what jansson rejects is rejected here too.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_JSCAN_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_JSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "rv_buf.h"

struct jscan {
	const char *p, *end;
	const char *err;	/* static text of the first error, or NULL */
};

enum jscan_type {
	JSCAN_BAD, JSCAN_OBJECT, JSCAN_ARRAY, JSCAN_STRING, JSCAN_NUMBER,
	JSCAN_TRUE, JSCAN_FALSE, JSCAN_NULL,
};

void jscan_init(struct jscan *s, const char *data, size_t len);

/* Skip whitespace (inline: the scanner's hot path does it at every value). */
static inline void jscan_ws(struct jscan *s)
{
	if (s->p < s->end && (unsigned char)*s->p > ' ')
		return;
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
				 *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* Skip whitespace; the type of the value that starts here. */
static inline enum jscan_type jscan_peek(struct jscan *s)
{
	jscan_ws(s);
	if (s->p >= s->end)
		return JSCAN_BAD;
	switch (*s->p) {
	case '{': return JSCAN_OBJECT;
	case '[': return JSCAN_ARRAY;
	case '"': return JSCAN_STRING;
	case 't': return JSCAN_TRUE;
	case 'f': return JSCAN_FALSE;
	case 'n': return JSCAN_NULL;
	case '-': return JSCAN_NUMBER;
	}
	return *s->p >= '0' && *s->p <= '9' ? JSCAN_NUMBER : JSCAN_BAD;
}

/* Name of a type for messages ("string", "number", ...). */
const char *jscan_type_name(enum jscan_type t);

/*
 * A string without copying when it can: *str points into the input when
 * the string has no escape (not NUL-terminated then), else into scratch,
 * where it is decoded.  str and len may be NULL to only validate.
 */
bool jscan_str(struct jscan *s, struct rv_buf *scratch, const char **str,
	       size_t *len);

/* A string, decoded into out (reset first; NULL only validates). */
bool jscan_string(struct jscan *s, struct rv_buf *out);

/* A number. */
bool jscan_number(struct jscan *s, double *out);

/* true or false. */
bool jscan_bool(struct jscan *s, bool *out);

/* Skip any one value, validating it. */
bool jscan_skip(struct jscan *s);

/* Only whitespace is left. */
bool jscan_at_end(struct jscan *s);

/*
 * Object iteration: call jscan_object_begin() at '{', then
 * jscan_object_next() until it returns false (end of object, or an error:
 * check s->err); on true the key is in *key, *klen (as jscan_str gives
 * them, scratch may be NULL to skip keys) and the scanner is at the
 * value, which the caller must consume.
 */
bool jscan_object_begin(struct jscan *s);
bool jscan_object_next(struct jscan *s, bool *first, struct rv_buf *scratch,
		       const char **key, size_t *klen);

/*
 * Array iteration: jscan_array_begin() at '[', then jscan_array_next()
 * until it returns false (end of array, or an error in s->err); on true
 * the scanner is at the next element, which the caller must consume.
 */
bool jscan_array_begin(struct jscan *s);
bool jscan_array_next(struct jscan *s, bool *first);

/* At an object: move to the value of key (true), or past the object. */
bool jscan_seek_key(struct jscan *s, const char *key);

#endif
