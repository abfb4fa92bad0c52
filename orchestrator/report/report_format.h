/*
 * report_format: the reporter's output formats, in one table.
 *
 * The table drives everything that names a format: the file options of
 * `runeval report` (--md F, ...) and their help, what `--out DIR` and a
 * job (report_write_job) write, and the step summary.  A new format is one
 * entry in report_formats[] (report_format.c) and its renderer; nothing
 * else names it.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_FORMAT_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "report_render.h"
#include "rv_buf.h"
#include "rv_err.h"

enum report_format_flag {
	/* also appended to $GITHUB_STEP_SUMMARY (when set and asked for) */
	REPORT_FORMAT_STEP_SUMMARY = 1u << 0,
};

struct report_format {
	const char *name;	/* "md" */
	const char *option;	/* "--md": takes the file to write */
	const char *file;	/* its name in --out DIR and a job's directory
				   (NULL: written only through its option) */
	const char *help;	/* for --help; a '\n' starts an indented line */
	unsigned int flags;	/* REPORT_FORMAT_* */
	/* Renders v into out; never fails (report_render.h). */
	void (*render)(const struct report_view *v, struct rv_buf *out);
	/*
	 * Optional: a switch that changes this format ("--prom-strict"),
	 * its help, and what it sets in the view.
	 */
	const char *switch_option;
	const char *switch_help;
	void (*switch_set)(struct report_view *v);
};

/* Every format, in the order of --help and of writing. */
extern const struct report_format report_formats[];
extern const size_t report_n_formats;

/*
 * Write the renderings: each format to its paths[i] (paths or an entry
 * NULL: not wanted) and, with dir, to dir/file (dir made with its
 * parents); one rendering serves both.  Then append the formats flagged
 * REPORT_FORMAT_STEP_SUMMARY to the file named by $GITHUB_STEP_SUMMARY,
 * when step_summary and that is set (the rule: a job writes its summary
 * unless --no-step-summary; `runeval report` only with --step-summary).  Files are replaced atomically; fails on the first
 * that cannot be made or written (the ones before it are written).
 */
enum rv_code report_formats_write(const struct report_view *v,
				  char *const *paths, const char *dir,
				  bool step_summary, struct rv_err *err);

#endif
