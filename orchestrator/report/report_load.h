/*
 * report_load: the readers behind report_set_load(), one per input kind.
 *
 * Each appends one job and its samples to the set, or fails with
 * RV_ERR_PROTO and a message "'<name>' line N: ..." (the set may then hold
 * a partial job: the caller discards the whole set).
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_LOAD_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "report_jscan.h"
#include "report_set.h"
#include "rv_buf.h"

/*
 * Reading the fields of one JSON object with the scanner (span lines and
 * the elements of a result.json's spans[] and rollouts[]).  A field reader
 * is called with the scanner at the value of the field named f->k; it
 * consumes the value and returns true, or records why the value is wrong
 * (f->what, the first one wins) or a syntax error (f->s.err) and returns
 * false.
 */
struct report_fields {
	struct report_set *set;
	struct jscan s;
	const char *k, *v;	/* the key, a string value (see jscan_str) */
	size_t klen, vlen;
	struct rv_buf kbuf, vbuf;	/* where they are when decoded */
	const char *what;
	char what_buf[200];
	unsigned seen;		/* bits of the required fields met */
	uint32_t memo[8];	/* last string ids by key (report_intern_memo) */
};

void report_fields_init(struct report_fields *f, struct report_set *set);
/* The next member of the object being read (see jscan_object_next). */
bool report_fields_next(struct report_fields *f, bool *first);
/* Is the current key name? */
bool report_key_is(const struct report_fields *f, const char *name);
void report_fields_release(struct report_fields *f);
bool report_field_bad(struct report_fields *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A string into *id (0 for null when nullable). */
bool report_field_string(struct report_fields *f, uint32_t *id,
			 bool nullable);
/* A finite number >= lo (integral when integer); null leaves *v. */
bool report_field_number(struct report_fields *f, double *v, bool integer,
			 double lo, bool nullable);
bool report_field_bool(struct report_fields *f, bool *v);
/* An integer seed (|seed| <= 2^53) into *seed; null is REPORT_NO_SEED. */
bool report_field_seed(struct report_fields *f, int64_t *seed);

/*
 * The object at f->s as one span of the last job.  provider is the
 * default provider id (0: the field is required); with start_ms the
 * "start_ms" field is read (result.json), else "ts" is (span lines).
 * Messages name file and line: "'<name>' line N: ...".
 */
enum rv_code report_span_object(struct report_fields *f, const char *name,
				unsigned line, uint32_t provider,
				bool start_ms, struct rv_err *err);

/* The error of a failed field read: "'<name>' line N: <why>". */
enum rv_code report_fields_error(struct report_fields *f, const char *name,
				 unsigned line, const char *base,
				 struct rv_err *err);

/* JSON lines: {"provider","phase","ms","ok"} + seed, ts, sandbox, ... */
enum rv_code report_load_spans(struct report_set *set, const char *name,
			       const char *data, size_t len,
			       struct rv_err *err);

/*
 * Members of the top-level object of a valid document: for each key the
 * text of its value (at, len; the last one when a key repeats, as jansson
 * keeps it), at NULL when absent or when the document is no object.
 */
struct report_member {
	const char *key;
	const char *at;
	size_t len;
};

void report_members(const char *data, size_t len, struct report_member *m,
		    size_t n);

/*
 * A runeval result.json (schema runeval.result/1) and a hyperfine
 * --export-json file, each a whole JSON document the scanner has checked.
 * No tree of the document is built: the scanner reads the arrays of
 * samples, jansson only the small objects of metadata.  m holds the
 * document's "schema", "job", "environment", "results", "config" and
 * "sandboxes" members, in that order (report_members(), which
 * report_set_load_buf has called).
 */
enum rv_code report_load_result(struct report_set *set, const char *name,
				const char *data, size_t len,
				const struct report_member *m,
				struct rv_err *err);
enum rv_code report_load_hyperfine(struct report_set *set, const char *name,
				   const char *data, size_t len,
				   struct rv_err *err);

/*
 * The error of a document that is not valid JSON: jansson's message with
 * its line and column when jansson rejects it too (as the reporter always
 * said them), else the scanner's.  Always RV_ERR_PROTO.
 */
enum rv_code report_json_error(const char *name, const char *data,
			       size_t len, struct rv_err *err);

/*
 * Give the last job one rollout per sample of phase "rollout" from sample
 * index first on (for inputs that have no rollouts[] of their own).
 */
void report_derive_rollouts(struct report_set *set, size_t first);

/* Parse a UTC ISO-8601 time ("2026-11-21T20:48:44.123Z", or an offset
 * "+02:00") into milliseconds since the epoch; false when malformed or
 * outside the years 0000 to 9999 (report_utc_in_range()). */
bool report_parse_utc(const char *s, double *epoch_ms);

/* Is a time (ms since 1970) within the years 0000 to 9999 (UTC)? */
bool report_utc_in_range(double epoch_ms);

/*
 * Format a time (ms since 1970) as "YYYY-MM-DDTHH:MM:SS.mmmZ" exactly,
 * the proleptic Gregorian calendar, milliseconds rounded down; false
 * (buf untouched) outside report_utc_in_range().  buf: 25 bytes or more.
 */
bool report_format_utc(double epoch_ms, char *buf, size_t size);

/* 1-based line and column of p in data. */
void report_line_col(const char *data, const char *p, unsigned *line,
		     unsigned *col);

#endif
