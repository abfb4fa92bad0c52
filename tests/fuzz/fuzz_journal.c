/*
 * fuzz_journal: a job's journal as `runeval reap` reads it
 * (orchestrator/journal.c: journal_scan, journal_tombstone,
 * journal_prune), the input being the file's lines.  The journal is a
 * real file of this user's, mode 0600, in a state directory of the
 * harness's own (under $TMPDIR), rewritten for each input.
 *
 * Contract: the user's own journal is never refused; every sandbox it
 * lists names its job and its name or id, and there are no more of them
 * than lines; a tombstone is refused only for a job id that could not
 * name a journal; when every sandbox listed is of this journal's job and
 * each took its tombstone, none is listed after; nothing leaks.
 */
#include "fuzz.h"

#include "journal.h"
#include "rv_err.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

static char state[64];

/* The state directory goes with the process (what a crash leaves stays). */
static void fuzz_state_remove(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/jobs/fuzz-job.jsonl", state);
	unlink(path);
	snprintf(path, sizeof(path), "%s/jobs", state);
	rmdir(path);
	rmdir(state);
}

static const char *fuzz_state_dir(void)
{
	char jobs[96];

	if (state[0])
		return state;
	fuzz_tmpdir(state, "journal", fuzz_state_remove);
	snprintf(jobs, sizeof(jobs), "%s/jobs", state);
	FUZZ_CHECK(mkdir(jobs, 0700) == 0);
	return state;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_state_dir();
	struct journal_entry *v = NULL, *w = NULL;
	struct rv_err err = RV_ERR_INIT;
	size_t n = 0, m = 0, refused = 9, lines;
	bool all_gone = true;
	char path[128];

	snprintf(path, sizeof(path), "%s/jobs/fuzz-job.jsonl", dir);
	lines = fuzz_write_file(path, data, size);

	FUZZ_CHECK(journal_scan(dir, NULL, &v, &n, &refused, &err) == RV_OK);
	FUZZ_CHECK(refused == 0);
	FUZZ_CHECK(n <= lines);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(v[i].job);
		FUZZ_CHECK(v[i].name || v[i].id);
	}
	for (size_t i = 0; i < n; i++) {
		enum rv_code rc = journal_tombstone(dir, &v[i], &err);

		all_gone &= rc == RV_OK && !strcmp(v[i].job, "fuzz-job");
		/* another job's journal is not there: IO; a bad id: usage */
		FUZZ_CHECK(rc == RV_OK || rc == RV_ERR_IO ||
			   rc == RV_ERR_USAGE);
		if (rc == RV_ERR_USAGE)
			FUZZ_CHECK(!*v[i].job || strchr(v[i].job, '/') ||
				   *v[i].job == '.' || strlen(v[i].job) > 128 ||
				   strpbrk(v[i].job, "\x01\x02\x03\x04\x05"
					   "\x06\x07\x08\x09\x0a\x0b\x0c\x0d"
					   "\x0e\x0f\x10\x11\x12\x13\x14\x15"
					   "\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
					   "\x1e\x1f"));
	}
	FUZZ_CHECK(journal_scan(dir, "fuzz-job", &w, &m, NULL, &err) == RV_OK);
	if (all_gone)
		FUZZ_CHECK(m == 0);
	journal_entries_free(w, m);
	journal_entries_free(v, n);
	(void)journal_prune(dir, NULL, NULL, NULL);
	unlink(path);
	return 0;
}
