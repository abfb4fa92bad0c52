/*
 * fuzz_seedlog: a job's seed log (<out>/seeds.jsonl) as `runeval resume`
 * reads it back (orchestrator/seedlog.c: seedlog_read, then the details
 * the records leave in the file, through a seedlog_reader), the input
 * being the file.  It is a real file of this user's in a directory of the
 * harness's own (under $TMPDIR), rewritten for each input.
 *
 * Contract: it reads, or fails with a message that names the file; what
 * it read is at most a record a line, each a seed's last record, ok
 * ones with a finite reward; details read back are what the record
 * says they are (their length); nothing leaks.
 */
#include "fuzz.h"

#include "rollouts.h"
#include "rv_err.h"
#include "seedlog.h"

#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];	/* fuzz_tmpdir */

static void fuzz_dir_remove(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, SEEDLOG_NAME);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = fuzz_tmpdir(dir, "seedlog", fuzz_dir_remove);
	struct seedlog_state st;
	struct rv_err err = RV_ERR_INIT;
	struct seedlog_reader *rd;
	char path[128];
	size_t lines;

	snprintf(path, sizeof(path), "%s/%s", d, SEEDLOG_NAME);
	lines = fuzz_write_file(path, data, size);

	memset(&st, 0, sizeof(st));
	if (seedlog_read(d, &st, &err) != RV_OK) {
		FUZZ_CHECK(strstr(err.msg, SEEDLOG_NAME));
		seedlog_state_release(&st);
		return 0;
	}
	FUZZ_CHECK(st.n <= lines);
	rd = seedlog_reader_open(d, -1);
	for (size_t i = 0; i < st.n; i++) {
		const struct rollout *r = &st.rs[i];
		struct rv_buf b = RV_BUF_INIT;

		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(st.rs[j].seed != r->seed ||
				   st.rs[j].epoch != r->epoch);
		if (r->ok)
			FUZZ_CHECK(isfinite(r->reward));
		if (r->more && r->more->details_at &&
		    seedlog_read_details(rd, r->more, &b))
			FUZZ_CHECK(b.len == r->more->details_len);
		rv_buf_release(&b);
	}
	seedlog_reader_close(rd);
	seedlog_state_release(&st);
	return 0;
}
