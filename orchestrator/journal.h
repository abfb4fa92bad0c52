/*
 * journal: the on-disk record of remote sandboxes, so that none leaks.
 *
 * One append-only file of JSON lines per job, <state dir>/jobs/<job>.jsonl,
 * where the state dir is $RUNEVAL_STATE_DIR, else $XDG_STATE_HOME/runeval,
 * else ~/.local/state/runeval.  Each record is written with one write()
 * and fsync()ed before the call returns:
 *
 *   {"event":"intent","job":J,"provider":P,"api_url":U,"name":N,...}
 *	before a create (N is the client-chosen name)
 *   {"event":"created",...,"id":I}	once the provider id is known
 *   {"event":"deleted",...}		after a confirmed delete (tombstone)
 *   {"event":"kept",...}		left up on purpose (--keep)
 *
 * The file is made by the first record, so a job that never got to a
 * create leaves none.  A running job holds an exclusive flock() on its
 * file, so `runeval reap` can tell a crashed job from a live one.
 * Thread-safe: sandboxes of one job write from several threads.
 */
#ifndef RUNEVAL_ORCHESTRATOR_JOURNAL_H
#define RUNEVAL_ORCHESTRATOR_JOURNAL_H

/* A journal file is read whole: at most this much (a record is a few
   hundred bytes, one per sandbox event). */
#define JOURNAL_FILE_MAX (64u << 20)

#include <stdbool.h>
#include <stddef.h>

#include "rv_err.h"

struct journal;

/* The state directory (malloc'ed), not created. */
char *journal_state_dir(void);

/*
 * Open the journal of job_id under state_dir (NULL: the default): the
 * directory is made now (RV_ERR_IO when it cannot be, or cannot be
 * written), the file with its lock at the first journal_record().
 */
enum rv_code journal_open(const char *state_dir, const char *job_id,
			  struct journal **out, struct rv_err *err);

/*
 * Close; when every sandbox in it is deleted (or there were none), the
 * file is removed.  NULL-safe.
 */
void journal_close(struct journal *j);

const char *journal_path(const struct journal *j);

/*
 * One record; id and name may be NULL.  Durable on return.  The first
 * one creates and locks the file: RV_ERR_IO when that fails (another
 * runeval holds it, or the disk refuses).
 */
enum rv_code journal_record(struct journal *j, const char *event,
			    const char *provider, const char *api_url,
			    const char *name, const char *id,
			    struct rv_err *err);

/* A sandbox that the journal says may still exist. */
struct journal_entry {
	char *job, *provider, *api_url, *name, *id;
	bool kept;		/* left up on purpose */
	bool job_running;	/* its job still holds the lock */
};

/*
 * Every sandbox without a tombstone, in the journals of state_dir (NULL:
 * the default), of one job or (job_id NULL) of all.  Unreadable lines
 * are skipped.  A journal file is read only when it is a regular file of
 * this user's that no one else may write (reap sends credentials to the
 * API a record names), not through a link; *refused (may be NULL: then
 * nothing is said) counts the others, each with a warning.  *out is an
 * array of *n; free with journal_entries_free().
 */
enum rv_code journal_scan(const char *state_dir, const char *job_id,
			  struct journal_entry **out, size_t *n,
			  size_t *refused, struct rv_err *err);

void journal_entries_free(struct journal_entry *v, size_t n);

/*
 * Append a tombstone for e to its job's journal (without taking the
 * lock; used by reap), and remove the file when nothing is left in it.
 */
enum rv_code journal_tombstone(const char *state_dir,
			       const struct journal_entry *e,
			       struct rv_err *err);

/*
 * Remove the journals (of job_id, or of every job when NULL) that list no
 * sandbox left to reap: empty ones, and ones whose every sandbox has a
 * tombstone.  A file whose job still runs (it holds the lock) or with a
 * line that is not a record is kept.  fn (may be NULL) hears of each
 * removed file.  Returns how many were removed.
 */
size_t journal_prune(const char *state_dir, const char *job_id,
		     void (*fn)(const char *path, void *arg), void *arg);

/* Is job_id's journal locked by a running job? */
bool journal_job_running(const char *state_dir, const char *job_id);

#endif
