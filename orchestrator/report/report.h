/*
 * report: the shared benchmark reporter's entry points.
 *
 * `runeval report` merges result.json files, JSON-lines span files and
 * hyperfine exports, prints per-provider and per-phase statistics,
 * compares a candidate with a baseline, evaluates gates and writes the
 * renderings (see README "Reports and gates").  A job writes its own
 * renderings with report_write_job().  The statistics themselves are in
 * stats.h, for reuse.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_H

#include <stdbool.h>

#include "rv_err.h"

/*
 * `runeval report FILE... [options]`: argv[0] is "report".  Returns the
 * process exit code (0 gates hold, 1 a gate failed, 2 bad input).  Prints
 * its own errors to stderr, the report to stdout.
 */
int report_main(int argc, char **argv);

/* A job's choices for its renderings (runeval --prom-strict, ...). */
struct report_job_opts {
	bool prom_strict;		/* metrics.prom without *_ms gauges */
	bool no_step_summary;		/* not to $GITHUB_STEP_SUMMARY */
	double junit_fail_below;	/* NAN: a reward of 0 passes */
};

/*
 * Render every format of the format table that has a file name
 * (report_format.h: summary.json, report.md, junit.xml, metrics.prom,
 * waterfall.svg, hyperfine.json) from one result.json into outdir
 * (created if missing); report.md is also appended to
 * $GITHUB_STEP_SUMMARY when that is set, unless o->no_step_summary.  o
 * may be NULL (the defaults).
 * Fails on unreadable or malformed input, or when a file cannot be
 * written.
 */
enum rv_code report_write_job(const char *result_path, const char *outdir,
			      const struct report_job_opts *o,
			      struct rv_err *err);

/*
 * The same from a set filled in memory (a job renders its own report
 * from what it holds, without reading result.json back).  The set is
 * taken: it is left empty (released).
 */
struct report_set;
enum rv_code report_write_set(struct report_set *set, const char *outdir,
			      const struct report_job_opts *o,
			      struct rv_err *err);

#endif
