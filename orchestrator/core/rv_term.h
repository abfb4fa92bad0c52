/*
 * rv_term: foreign text made safe to print on a terminal.
 *
 * Anything a task app, a candidate, a sandbox or a provider sends (a
 * status, an error body, a log tail, a sandbox id) may hold escape
 * sequences that clear the screen, retitle the window, ring the bell or
 * forge output.  Everything runeval prints goes through here: rv_log()
 * escapes each line, the console, reap, lifecycle and the reporter the
 * text they print.
 *
 * Escaped: C0 controls (tab, CR, ESC, BEL, ...; LF too unless the text is
 * multi-line by design), DEL, C1 controls (U+0080..U+009F), the Unicode
 * bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069)
 * and line/paragraph separators (U+2028, U+2029), and bytes that are not
 * UTF-8.  A byte is shown as \xNN (ESC is "\x1b"), tab/CR/LF as \t \r
 * \n, a code point as \uNNNN.  Other UTF-8 and backslashes are kept.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_TERM_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct rv_buf;

/*
 * Append len bytes of s to out, escaped; with multiline, LF (and tab)
 * stay as they are.  NUL bytes inside len are escaped too.
 */
void rv_term_escape(struct rv_buf *out, const char *s, size_t len,
		    bool multiline);

/* A malloc'ed single-line escaped copy of s; NULL for NULL. */
char *rv_term_safe(const char *s);

/*
 * Print one line to f: fmt formatted, then escaped as single-line text,
 * except a final '\n', which is printed as it is.  Returns what
 * fputs() returns.
 */
int rv_term_printf(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
