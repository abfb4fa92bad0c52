/*
 * report_opts: the command line of `runeval report` and its --help.
 *
 * The options of the output formats and their switches come from the
 * format table (report_format.h): a format added there is an option, a
 * file in --out DIR and a line of --help without an edit here.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_OPTS_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "rv_buf.h"
#include "rv_err.h"

/* Borrows its strings from argv; released by report_opts_release(). */
struct report_opts {
	char **inputs, **baseline, **gates;
	size_t n_inputs, n_baseline, n_gates;
	char **paths;		/* per format: the file of its option, or NULL */
	bool *switches;		/* per format: its switch was given */
	char *out_dir;
	size_t window;
	double pass_threshold;		/* NAN: each job's own */
	double junit_fail_below;	/* NAN: rewards fail no testcase */
	bool allow_few;			/* --allow-few-samples */
	bool has_baseline, quiet, help, timings;
	bool step_summary;		/* --step-summary */
};

/*
 * Parse argv (argv[0] is "report") into o, which it initialises.  A usage
 * error (unknown option, missing value, no input) is RV_ERR_USAGE with a
 * one-line message.  o is released with report_opts_release() either way.
 */
enum rv_code report_opts_parse(struct report_opts *o, int argc, char **argv,
			       struct rv_err *err);
void report_opts_release(struct report_opts *o);

/*
 * Does a format go to standard output ('--json -')?  Then the table goes
 * to stderr, so that stdout holds that format alone.
 */
bool report_opts_stdout(const struct report_opts *o);

/* Append the text of `runeval report --help`. */
void report_usage(struct rv_buf *b);

#endif
