/*
 * fuzz_redact_stream: a task app's log as runeval writes it
 * (orchestrator/core/rv_redact.c, rv_redact_stream), which is whatever
 * the app prints: hostile.  Two secrets are registered, one of them
 * with newlines in it (a PEM key); neither may reach the file, nor an
 * error message's quote of the log's end, however the output is cut
 * into writes and idle flushes.  A capped stream's file stays within
 * its cap plus the two notes; an uncapped one grows only by what marks
 * take beyond the secrets' prefixes they replace (RV_REDACT_PREFIX_MIN
 * bytes or more each); a quote is never longer than asked.
 *
 * Input: the first byte is the cap (0: none, else 64 + 16 x byte, so
 * that the cap and the tail it keeps are reached by short inputs), the
 * rest the output, fed in pieces; a piece whose first byte is odd is
 * followed by an idle flush, and at the middle the log's end is quoted
 * as a failing health check does.
 */
#include "fuzz.h"

#include "rv_redact.h"

#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUZZ_SECRET "zq7sekrit0value9x"
#define FUZZ_PEM "-----BEGIN Q KEY-----\nzz9qkey\n-----END Q KEY-----"
/* the notes the cap adds, with their numbers, are shorter than this */
#define FUZZ_NOTES_MAX 512

static void fuzz_no_secret(const char *data, size_t len)
{
	FUZZ_CHECK(!memmem(data, len, FUZZ_SECRET, sizeof(FUZZ_SECRET) - 1));
	FUZZ_CHECK(!memmem(data, len, FUZZ_PEM, sizeof(FUZZ_PEM) - 1));
}

/* The end of the log, quoted as an error message does. */
static void fuzz_quote(struct rv_redact_stream *st, const char *path)
{
	struct rv_buf q = RV_BUF_INIT;
	long long n = rv_redact_stream_read_tail(st, path, 300, &q);

	/* the bytes quoted, or the file's size (rv_read_tail) */
	FUZZ_CHECK(n >= 0 && (size_t)n >= q.len && q.len <= 300);
	fuzz_no_secret(q.data, q.len);
	rv_buf_release(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool secrets;
	struct rv_redact_stream st;
	struct fuzz_split sp;
	unsigned long long limit;
	char path[64], *text;
	size_t off = 1, n;
	off_t len;
	int fd;

	if (!size)
		return 0;
	if (!secrets) {
		rv_redact_add(FUZZ_SECRET);
		rv_redact_add(FUZZ_PEM);
		secrets = true;
	}
	limit = data[0] ? 64 + 16ull * data[0] : 0;
	fd = memfd_create("log", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rv_redact_stream_init(&st, fd, limit);
	fuzz_split_init(&sp, data, size);
	while (off < size) {
		n = fuzz_split_next(&sp, size - off);
		rv_redact_stream_write(&st, data + off, n);
		if (data[off] & 1)
			rv_redact_stream_flush(&st);
		if (off < size / 2 && off + n >= size / 2)
			fuzz_quote(&st, path);
		off += n;
	}
	rv_redact_stream_finish(&st);
	fuzz_quote(&st, path);
	rv_redact_stream_release(&st);
	len = lseek(fd, 0, SEEK_END);
	FUZZ_CHECK(len >= 0);
	if (limit)
		FUZZ_CHECK((unsigned long long)len <= limit + FUZZ_NOTES_MAX);
	else
		FUZZ_CHECK((size_t)len <= size - 1 + (size - 1) /
			   RV_REDACT_PREFIX_MIN * (sizeof(RV_REDACT_MARK) - 1 -
						   RV_REDACT_PREFIX_MIN));
	text = malloc((size_t)len + 1);
	FUZZ_CHECK(text && pread(fd, text, (size_t)len, 0) == len);
	fuzz_no_secret(text, (size_t)len);
	free(text);
	close(fd);
	return 0;
}
