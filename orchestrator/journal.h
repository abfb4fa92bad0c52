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
 * A running job holds an exclusive flock() on its file, so `runeval reap`
 * can tell a crashed job from a live one.  Thread-safe: sandboxes of one
 * job write from several threads.
 */
#ifndef RUNEVAL_ORCHESTRATOR_JOURNAL_H
#define RUNEVAL_ORCHESTRATOR_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "rv_err.h"

struct journal;

/* The state directory (malloc'ed), not created. */
char *journal_state_dir(void);

/*
 * Open (create) the journal of job_id under state_dir (NULL: the
 * default) and lock it.  RV_ERR_IO when the directory cannot be made or
 * the file cannot be written.
 */
enum rv_code journal_open(const char *state_dir, const char *job_id,
			  struct journal **out, struct rv_err *err);

/*
 * Close; when every sandbox in it is deleted (or there were none), the
 * file is removed.  NULL-safe.
 */
void journal_close(struct journal *j);

const char *journal_path(const struct journal *j);

/* One record; id and name may be NULL.  Durable on return. */
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
 * are skipped.  *out is an array of *n; free with journal_entries_free().
 */
enum rv_code journal_scan(const char *state_dir, const char *job_id,
			  struct journal_entry **out, size_t *n,
			  struct rv_err *err);

void journal_entries_free(struct journal_entry *v, size_t n);

/*
 * Append a tombstone for e to its job's journal (without taking the
 * lock; used by reap), and remove the file when nothing is left in it.
 */
enum rv_code journal_tombstone(const char *state_dir,
			       const struct journal_entry *e,
			       struct rv_err *err);

/* Is job_id's journal locked by a running job? */
bool journal_job_running(const char *state_dir, const char *job_id);

#endif
