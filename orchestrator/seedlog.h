/*
 * seedlog: the job's own journal of finished seeds, so that an
 * interrupted, killed or failed job can be resumed (`runeval resume DIR`).
 *
 * <out>/seeds.jsonl: a header line per run of the job,
 *
 *   {"seedlog":1,"job":ID,"run":N,"config":{...}}
 *
 * (the configuration as result.json records it, without secrets), then
 * one line per seed that became final (rollout_json.h), in the order
 * they ended.  Lines are buffered and flushed at least every
 * SEEDLOG_FLUSH_MS and at the close, so a job killed with SIGKILL loses
 * at most that much of its record (those seeds run again on resume).
 * A resume appends its own header and lines; the last line of a seed wins.
 *
 * Not thread-safe: the job calls it under its lock.  Every function
 * accepts a NULL log.  Write errors are reported once (a warning) and
 * then the log is off: the job itself goes on.
 */
#ifndef RUNEVAL_ORCHESTRATOR_SEEDLOG_H
#define RUNEVAL_ORCHESTRATOR_SEEDLOG_H

#include <jansson.h>
#include <stddef.h>

#include "rv_err.h"

#define SEEDLOG_NAME "seeds.jsonl"
#define SEEDLOG_FLUSH_MS 100

struct rollout;
struct seedlog;

/* Open <dir>/seeds.jsonl for appending and write the run's header. */
enum rv_code seedlog_open(const char *dir, const char *job_id, unsigned run,
			  const json_t *config, struct seedlog **out,
			  struct rv_err *err);

void seedlog_add(struct seedlog *l, const struct rollout *r);

void seedlog_close(struct seedlog *l);

/* What a seed log says (seedlog_read). */
struct seedlog_state {
	char job[48];
	unsigned runs;			/* header lines */
	json_t *config;			/* of the first run (owned) */
	struct rollout *rs;		/* the last record of each seed */
	size_t n;
};

/*
 * Read <dir>/seeds.jsonl.  A cut last line (a killed writer) is ignored;
 * any other bad line is an error naming the file and line.
 */
enum rv_code seedlog_read(const char *dir, struct seedlog_state *st,
			  struct rv_err *err);
void seedlog_state_release(struct seedlog_state *st);

#endif
