/*
 * fuzz: what the libFuzzer harnesses under tests/fuzz/ share.
 *
 * Each fuzz_<target>.c defines LLVMFuzzerTestOneInput() for one parser
 * that takes foreign input, checks the parser's contract on what it
 * returns (FUZZ_CHECK aborts, which libFuzzer reports as a crash), and
 * frees everything (LeakSanitizer runs after each input).
 *
 * Streaming parsers are fed the same input whole and in pieces; the
 * piece sizes come from a hash of the input, so the committed seeds stay
 * plain files and a crashing input replays the same way.
 */
#ifndef RUNEVAL_TESTS_FUZZ_FUZZ_H
#define RUNEVAL_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include "rv_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: contract broken: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* data as a NUL-terminated malloc'ed string (cut at its first NUL). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * A directory of the harness's own for files it writes: made on the
 * first call, "<$TMPDIR or /tmp>/fuzz-<name>-XXXXXX" in dir (64 bytes);
 * at exit, cleanup (may be NULL) removes what is in it, then it goes
 * (a crash leaves it, with the input that crashed).
 */
static inline const char *fuzz_tmpdir(char *dir, const char *name,
				      void (*cleanup)(void))
{
	const char *tmp = getenv("TMPDIR");

	if (dir[0])
		return dir;
	snprintf(dir, 64, "%s/fuzz-%s-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp", name);
	FUZZ_CHECK(mkdtemp(dir));
	if (cleanup)
		FUZZ_CHECK(atexit(cleanup) == 0);
	return dir;
}

/* The input as the whole of the file path (mode 0600); its line count. */
static inline size_t fuzz_write_file(const char *path, const uint8_t *data,
				     size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t lines = 1;

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	return lines;
}

struct fuzz_split {
	uint64_t state;
};

/* Piece sizes for data, from its FNV-1a hash. */
static inline void fuzz_split_init(struct fuzz_split *s, const uint8_t *data,
				   size_t size)
{
	s->state = 1469598103934665603ull;
	for (size_t i = 0; i < size; i++)
		s->state = (s->state ^ data[i]) * 1099511628211ull;
	s->state |= 1;
}

/* The size of the next piece, 1..left (left > 0): mostly tiny ones. */
static inline size_t fuzz_split_next(struct fuzz_split *s, size_t left)
{
	size_t max;

	s->state ^= s->state << 13;	/* xorshift64 */
	s->state ^= s->state >> 7;
	s->state ^= s->state << 17;
	max = (s->state & 3) ? 4 : 512;
	if (max > left)
		max = left;
	return 1 + (size_t)((s->state >> 8) % max);
}

/*
 * What a streaming decoder said of the input fed whole (a) and in pieces
 * (b) must be the same; both are released.  what names the decoder.
 */
static inline void fuzz_same(struct rv_buf *a, struct rv_buf *b,
			     const char *what)
{
	if (a->len != b->len || memcmp(a->data, b->data, a->len)) {
		fprintf(stderr, "%s whole:\n%s\npieces:\n%s\n", what, a->data,
			b->data);
		FUZZ_CHECK(!"the same input decoded differently in pieces");
	}
	rv_buf_release(a);
	rv_buf_release(b);
}

#endif
