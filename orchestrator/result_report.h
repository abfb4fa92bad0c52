/*
 * result_report: a finished job's renderings (report.md, junit.xml,
 * metrics.prom, waterfall.svg, ...) made from what the job holds in
 * memory, the same samples `runeval report result.json` would read from
 * the file, without reading result.json back (at 100 000 seeds that
 * re-read doubled runeval's peak memory).
 */
#ifndef RUNEVAL_ORCHESTRATOR_RESULT_REPORT_H
#define RUNEVAL_ORCHESTRATOR_RESULT_REPORT_H

#include "rv_err.h"

struct evalstats;
struct job_outcome;
struct report_job_opts;

/*
 * Render every format with a file name into job->out_dir, with the
 * job's choices o (may be NULL).  eval (may be NULL) is the job's eval
 * as the summary computed it from the same records (eval_compute),
 * borrowed: the reports use it instead of computing it again.
 */
enum rv_code result_report_write(const struct job_outcome *job,
				 const struct evalstats *eval,
				 const struct report_job_opts *o,
				 struct rv_err *err);

#endif
