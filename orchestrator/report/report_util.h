/*
 * report_util: formatting and escaping shared by the renderings.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_UTIL_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "rv_buf.h"
#include "rv_err.h"

/*
 * A duration for people: "0.412 ms", "85.2 ms", "1.23 s", "-" for NAN.
 * Returns buf (at least 32 bytes).
 */
char *report_fmt_ms(double ms, char *buf, size_t size);

/* A ratio as a percentage "97.5%", "-" for NAN.  Returns buf. */
char *report_fmt_pct(double ratio, char *buf, size_t size);

/*
 * Append s escaped for XML text and attributes (&<>"' and the control
 * characters XML 1.0 forbids, which become U+FFFD), at most max bytes of s
 * (0: all; cut at a character boundary, "..." added).
 */
void report_xml_esc(struct rv_buf *b, const char *s, size_t max);

/*
 * Append s for a Markdown table cell: one line, with | \ ` * _ [ ] < > &
 * made harmless; at most max bytes of s (0: all), "..." when cut.
 */
void report_md_esc(struct rv_buf *b, const char *s, size_t max);

/*
 * Put the text of ins into b at offset at (<= b->len): for a head that
 * says what the part after it held (a count, a height), written last so
 * that the part is not built apart and copied.
 */
void report_buf_insert(struct rv_buf *b, size_t at, const struct rv_buf *ins);

/*
 * Is name a bench's cold series ("P:cold", the first step of each run,
 * one sample a run)?  It is not ranked against the warm series, and a
 * regress gate that names no series leaves it out.
 */
bool report_cold_series(const char *name);

/* Append len bytes to path (created if missing). */
enum rv_code report_append_file(const char *path, const char *data,
				size_t len, struct rv_err *err);

#endif
