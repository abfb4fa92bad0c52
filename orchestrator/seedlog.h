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
 * The log also holds the answers' details for the job: once a record's
 * line is flushed, a record with a `more` and details of at least
 * SEEDLOG_SPOOL_MIN bytes gives up its copy (more->details_at says
 * where the log has them, rollouts.h), so a job's memory does not grow
 * with what its task app reports.  result.json reads them back through
 * a seedlog_reader.  Until a write error turns the log off, that is;
 * records whose lines were not flushed keep their details.  The ok
 * records a resume reads back (seedlog_read) do the same: where such a
 * record written again is its line byte for byte, its details stay in
 * the file (a failed one keeps them: it may be logged again).
 *
 * Not thread-safe: the job calls it under its lock.  Every function
 * accepts a NULL log.  Write errors are reported once (a warning) and
 * then the log is off: the job itself goes on.
 */
#ifndef RUNEVAL_ORCHESTRATOR_SEEDLOG_H
#define RUNEVAL_ORCHESTRATOR_SEEDLOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rv_err.h"

#define SEEDLOG_NAME "seeds.jsonl"
#define SEEDLOG_FLUSH_MS 100
/* details shorter than this stay in memory: a record's offset and
   length would save little */
#define SEEDLOG_SPOOL_MIN 128

struct rollout;
struct rollout_more;
struct rv_buf;
struct seedlog;
struct seedlog_reader;

/*
 * Claim the job's directory: lock <dir>/seeds.jsonl (made when create
 * and missing, as for a new job; a resume needs it there) before
 * anything in it is read or changed, and hold the lock until the job's
 * outputs are written.  *fd: the locked file (the caller closes it),
 * or -1 when there is nothing to hold: a log that is missing or cannot
 * be written, unless create (a job that is to write there), or a file
 * system without flock (the job goes on unguarded, with one warning).
 * RV_ERR_USAGE when another runeval holds it (a job or resume running
 * in the same directory); RV_ERR_CONFIG when create cannot make it.
 */
enum rv_code seedlog_lock(const char *dir, bool create, int *fd,
			  struct rv_err *err);

/*
 * Open <dir>/seeds.jsonl and write the run's header: run 0 (a new job)
 * starts the file anew, a resume's run (1, 2, ...) appends to it.
 * lock: the job's seedlog_lock() fd (borrowed), or -1 to take the lock
 * here; a log another runeval is writing is then left alone:
 * RV_ERR_USAGE, which says so.
 */
enum rv_code seedlog_open(const char *dir, int lock, const char *job_id,
			  unsigned run, const json_t *config,
			  struct seedlog **out, struct rv_err *err);

/* Log r (final, once: a record whose details moved is not logged
   again); its details may move to the log (see above). */
void seedlog_add(struct seedlog *l, struct rollout *r);

/* Flush (records move their details out), close and free. */
void seedlog_close(struct seedlog *l);

/*
 * Read back what the log holds of records' details.  open: through lock
 * (the job's seedlog_lock() fd, borrowed: the file the job wrote, even
 * if its name now points elsewhere), else <dir>/seeds.jsonl; NULL, with
 * a warning, when it cannot be read.  read: append the details that m
 * says the log holds to b; false (b untouched, one warning per reader)
 * when rd is NULL or the log does not hold them there, whole and with
 * their checksum (FNV-1a: it catches a log changed under the job, not
 * a forger who can write the user's files).
 */
struct seedlog_reader *seedlog_reader_open(const char *dir, int lock);
bool seedlog_read_details(struct seedlog_reader *rd,
			  const struct rollout_more *m, struct rv_buf *b);
void seedlog_reader_close(struct seedlog_reader *rd);

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
 * any other bad line is an error naming the file and line.  Records
 * leave their details in the file as logged ones do (above): writing
 * them out needs a seedlog_reader on the same file.
 */
enum rv_code seedlog_read(const char *dir, struct seedlog_state *st,
			  struct rv_err *err);
void seedlog_state_release(struct seedlog_state *st);

#endif
