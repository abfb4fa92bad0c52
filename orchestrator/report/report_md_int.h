/*
 * report_md_int: what the parts of report.md share (report_md.c, the
 * document and its sandbox timing; report_md_eval.c, the eval).  Every
 * piece of text goes through the byte budget of struct md.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_MD_INT_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_MD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_render.h"

#define MD_RESERVE 1024		/* for notes and closing tags */
#define MD_CELL_MAX 120		/* bytes of a name or error in a cell */

struct md_err {
	uint32_t provider, phase, error;
	size_t count;
};

struct md {
	struct rv_buf *out;
	size_t max;		/* out->len never goes past it */
	size_t limit;		/* the size promised to readers */
	size_t dropped;		/* rows dropped from the current table */
	bool cut;		/* something did not fit */
	struct rv_buf row;	/* the row being built */
	struct md_err *errs;	/* failures by kind (md_errors), once */
	size_t n_errs;
	bool gate_failed;	/* a gate failed: status cells are red */
};

/* Append text that must fit the budget (else it is dropped and noted). */
void md_text(struct md *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Add to the row being built; a cell of foreign text, escaped. */
void md_cell(struct md *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void md_cell_esc(struct md *m, const char *s);
/* End the row: it goes in if it fits and no earlier row was dropped. */
void md_row(struct md *m);
/* End a table: a note of the rows that did not fit. */
void md_end_table(struct md *m, const char *what);

/* Formatting into b (32 bytes). */
const char *md_ms(double ms, char *b);
const char *md_pct(double r, char *b);
const char *md_name(const struct report_view *v, uint32_t id);

/* The eval: every identity's outcome, its baseline, its tasks. */
void md_eval(struct md *m, const struct report_view *v);

#endif
