#include "rv_redact.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_fs.h"

#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t rv_redact_lock = PTHREAD_MUTEX_INITIALIZER;
static char **rv_secrets;
static size_t rv_nsecrets;

void rv_redact_add(const char *secret)
{
	if (!secret || strlen(secret) < RV_REDACT_MIN_LEN)
		return;
	pthread_mutex_lock(&rv_redact_lock);
	for (size_t i = 0; i < rv_nsecrets; i++) {
		if (!strcmp(rv_secrets[i], secret)) {
			pthread_mutex_unlock(&rv_redact_lock);
			return;
		}
	}
	rv_secrets = rv_xreallocarray(rv_secrets, rv_nsecrets + 1,
				      sizeof(*rv_secrets));
	rv_secrets[rv_nsecrets++] = rv_xstrdup(secret);
	pthread_mutex_unlock(&rv_redact_lock);
}

void rv_redact_reset(void)
{
	pthread_mutex_lock(&rv_redact_lock);
	for (size_t i = 0; i < rv_nsecrets; i++)
		free(rv_secrets[i]);
	free(rv_secrets);
	rv_secrets = NULL;
	rv_nsecrets = 0;
	pthread_mutex_unlock(&rv_redact_lock);
}

/*
 * Caller holds the lock.  The earliest place in p[0..n) where a secret,
 * or at least RV_REDACT_PREFIX_MIN of its leading characters, appears;
 * *len is how far it matches there (the longest match at that place).
 *
 * next (rv_nsecrets entries, or NULL) remembers, across the calls of one
 * scan of a text ending at p + n, where each secret's next prefix is:
 * NULL not looked for yet, p + n none left.  A secret is looked for again
 * only once the scan has passed its place, so a scan costs one pass of
 * the text per secret, however many hits it has (looking for every
 * secret after every hit made a text full of key prefixes quadratic: a
 * megabyte took 9 s).
 */
static const char *rv_redact_find(const char *p, size_t n, size_t *len,
				  const char **next)
{
	const char *best = NULL, *end = p + n;

	for (size_t i = 0; i < rv_nsecrets; i++) {
		const char *sec = rv_secrets[i];
		size_t slen = strlen(sec);
		size_t k = slen < RV_REDACT_PREFIX_MIN ? slen :
			RV_REDACT_PREFIX_MIN;
		const char *hit;
		size_t m;

		if (next && next[i] && next[i] >= p) {
			hit = next[i] == end ? NULL : next[i];
		} else {
			hit = memmem(p, n, sec, k);
			if (next)
				next[i] = hit ? hit : end;
		}
		if (!hit || (best && hit > best))
			continue;
		m = k;
		while (m < slen && hit + m < end && hit[m] == sec[m])
			m++;
		if (!best || hit < best || m > *len) {
			best = hit;
			*len = m;
		}
	}
	return best;
}

/* Append s[0..n) to out with every secret (or prefix) replaced. */
static void rv_redact_into(const char *s, size_t n, struct rv_buf *out)
{
	const char *p = s, *end = s + n, *hit, *few[16] = { 0 };
	const char **next = rv_nsecrets <= 16 ? few :
		rv_xcalloc(rv_nsecrets, sizeof(*next));
	size_t len = 0;

	while ((hit = rv_redact_find(p, (size_t)(end - p), &len, next))) {
		rv_buf_add(out, p, (size_t)(hit - p));
		rv_buf_adds(out, RV_REDACT_MARK);
		p = hit + len;
		len = 0;
	}
	rv_buf_add(out, p, (size_t)(end - p));
	if (next != few)
		free(next);
}

char *rv_redact(const char *s)
{
	struct rv_buf out = RV_BUF_INIT;

	if (!s)
		return NULL;
	pthread_mutex_lock(&rv_redact_lock);
	rv_redact_into(s, strlen(s), &out);
	pthread_mutex_unlock(&rv_redact_lock);
	return rv_buf_detach(&out, NULL);
}

char *rv_redact_head(const char *s, size_t n, size_t keep)
{
	size_t want = keep + RV_REDACT_PREFIX_MIN, w = want;

	for (;;) {
		size_t m = w < n ? w : n;
		struct rv_buf in = RV_BUF_INIT;
		char *red;

		rv_buf_add(&in, s, m);
		for (size_t i = 0; i < m; i++)
			if (!in.data[i])
				in.data[i] = '?';
		red = rv_redact(in.data ? in.data : "");
		rv_buf_release(&in);
		/* what no secret can reach unredacted lies past keep: the
		   last RV_REDACT_PREFIX_MIN - 1 bytes may be a prefix cut at
		   the window's end */
		if (m == n || strlen(red) >= want)
			return red;
		free(red);
		w = w > n / 2 ? n : 2 * w;
	}
}

void rv_redact_buf(struct rv_buf *b)
{
	struct rv_buf out = RV_BUF_INIT;

	if (!b->len)
		return;
	pthread_mutex_lock(&rv_redact_lock);
	if (!rv_nsecrets) {
		pthread_mutex_unlock(&rv_redact_lock);
		return;
	}
	rv_redact_into(b->data, b->len, &out);
	pthread_mutex_unlock(&rv_redact_lock);
	rv_buf_release(b);
	*b = out;
}

bool rv_redact_contains(const char *s)
{
	size_t len = 0;
	bool found;

	if (!s)
		return false;
	pthread_mutex_lock(&rv_redact_lock);
	found = rv_redact_find(s, strlen(s), &len, NULL) != NULL;
	pthread_mutex_unlock(&rv_redact_lock);
	return found;
}

void rv_redact_hint(const char *secret, char *out, size_t size)
{
	if (!secret || !*secret) {
		snprintf(out, size, "<unset>");
		return;
	}
	snprintf(out, size, "%.4s...(%zu chars)", secret, strlen(secret));
}

/*
 * Caller holds the lock.  The length of the longest tail of s[0..n) that
 * is the start of a secret, without the whole of it: bytes that must
 * wait for what follows before they can be judged.
 */
static size_t rv_redact_hold(const char *s, size_t n)
{
	size_t hold = 0;

	for (size_t i = 0; i < rv_nsecrets; i++) {
		size_t slen = strlen(rv_secrets[i]);

		for (size_t k = slen - 1 < n ? slen - 1 : n; k > hold; k--) {
			if (!memcmp(s + n - k, rv_secrets[i], k)) {
				hold = k;
				break;
			}
		}
	}
	return hold;
}

void rv_redact_stream_init(struct rv_redact_stream *st, int fd,
			   unsigned long long limit)
{
	st->fd = fd;
	rv_buf_init(&st->pending);
	st->limit = limit;
	st->written = 0;
	st->mid_line = false;
	st->out_nl = true;
	st->finished = false;
	pthread_mutex_init(&st->lock, NULL);
	st->dropped = 0;
	rv_buf_init(&st->tail);
	st->tail_at_line = true;
}

/* T: the dropped output's tail a capped stream keeps. */
static size_t rv_redact_stream_tail_max(const struct rv_redact_stream *st)
{
	return st->limit < 2ull * RV_REDACT_STREAM_TAIL ?
	       (size_t)(st->limit / 2) : RV_REDACT_STREAM_TAIL;
}

static void rv_redact_stream_put(struct rv_redact_stream *st,
				 const char *data, size_t len)
{
	/* a lost log line must not stop the writer */
	if (!len)
		return;
	if (st->fd >= 0)
		(void)rv_write_all(st->fd, data, len);
	st->mid_line = data[len - 1] != '\n';
}

__attribute__((format(printf, 2, 3)))
static void rv_redact_stream_note(struct rv_redact_stream *st,
				  const char *fmt, ...)
{
	char note[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	if (st->mid_line)
		rv_redact_stream_put(st, "\n", 1);
	if (n > 0)
		rv_redact_stream_put(st, note, (size_t)n < sizeof(note) ?
				     (size_t)n : sizeof(note) - 1);
}

/* Past the cap: data goes to the tail, which keeps its last T (or 2 T
   till it is moved down). */
static void rv_redact_stream_drop(struct rv_redact_stream *st,
				  const char *data, size_t len)
{
	size_t keep = rv_redact_stream_tail_max(st);
	struct rv_buf *t = &st->tail;

	pthread_mutex_lock(&st->lock);
	st->dropped += len;
	if (len >= keep) {
		st->tail_at_line = len > keep ? data[len - keep - 1] == '\n' :
				   st->out_nl;
		rv_buf_truncate(t, 0);
		rv_buf_add(t, data + len - keep, keep);
	} else {
		if (!t->len)
			st->tail_at_line = st->out_nl;
		rv_buf_add(t, data, len);
		if (t->len > 2 * keep) {
			st->tail_at_line = t->data[t->len - keep - 1] == '\n';
			memmove(t->data, t->data + t->len - keep, keep);
			rv_buf_truncate(t, keep);
		}
	}
	pthread_mutex_unlock(&st->lock);
}

/* Redacted output, within the cap: to the file; past it: to the tail. */
static void rv_redact_stream_out(struct rv_redact_stream *st,
				 const char *data, size_t len)
{
	unsigned long long head;
	size_t room, cut;
	const char *nl;

	if (!st->limit) {
		rv_redact_stream_put(st, data, len);
	} else if (st->dropped) {
		rv_redact_stream_drop(st, data, len);
	} else {
		head = st->limit - rv_redact_stream_tail_max(st);
		room = st->written < head ? (size_t)(head - st->written) : 0;
		if (len <= room) {
			rv_redact_stream_put(st, data, len);
			st->written += len;
		} else {
			/* the cap: the head ends at a line's end where one
			   fits; inside a line only when the file is inside
			   one or empty (a line longer than the head) */
			nl = room ? memrchr(data, '\n', room) : NULL;
			cut = nl ? (size_t)(nl - data) + 1 :
			      st->written && !st->mid_line ? 0 : room;
			rv_redact_stream_put(st, data, cut);
			st->written += cut;
			if (cut)
				st->out_nl = data[cut - 1] == '\n';
			/* dropped first: a reader of the tail never finds
			   the file ending in the note */
			rv_redact_stream_drop(st, data + cut, len - cut);
			rv_redact_stream_note(st, RV_REDACT_STREAM_CAP_NOTE
					      "%llu bytes; what follows is "
					      "dropped, but for its last %zu "
					      "bytes, written when the output "
					      "ends]\n", st->limit,
					      rv_redact_stream_tail_max(st));
		}
	}
	if (len)
		st->out_nl = data[len - 1] == '\n';
}

/* Write out the first n pending bytes, redacted, and drop them. */
static void rv_redact_stream_emit(struct rv_redact_stream *st, size_t n)
{
	struct rv_buf out = RV_BUF_INIT;

	if (!n)
		return;
	pthread_mutex_lock(&rv_redact_lock);
	rv_redact_into(st->pending.data, n, &out);
	pthread_mutex_unlock(&rv_redact_lock);
	rv_redact_stream_out(st, out.data, out.len);
	rv_buf_release(&out);
	memmove(st->pending.data, st->pending.data + n, st->pending.len - n);
	rv_buf_truncate(&st->pending, st->pending.len - n);
}

/* How much of pending[0..n) may go: all but a possible secret's start. */
static size_t rv_redact_stream_ready(const struct rv_redact_stream *st,
				     size_t n)
{
	size_t hold;

	pthread_mutex_lock(&rv_redact_lock);
	hold = rv_redact_hold(st->pending.data, n);
	pthread_mutex_unlock(&rv_redact_lock);
	return n - hold;
}

/* Everything but a tail that may be the start of a secret. */
void rv_redact_stream_flush(struct rv_redact_stream *st)
{
	if (!st->finished)
		rv_redact_stream_emit(st, rv_redact_stream_ready(st,
						st->pending.len));
}

void rv_redact_stream_write(struct rv_redact_stream *st, const void *data,
			    size_t len)
{
	const char *nl;

	if (st->finished)
		return;
	rv_buf_add(&st->pending, data, len);
	/* whole lines; a secret with newlines in it (a PEM key) that
	   starts in them waits for the rest */
	nl = memrchr(st->pending.data, '\n', st->pending.len);
	if (nl)
		rv_redact_stream_emit(st, rv_redact_stream_ready(st,
				(size_t)(nl - st->pending.data) + 1));
	if (st->pending.len > RV_REDACT_STREAM_LINE_MAX)
		rv_redact_stream_flush(st);
}

/* The dropped output's last bytes, from a line's start where one is. */
static void rv_redact_stream_end_tail(struct rv_redact_stream *st)
{
	size_t keep = rv_redact_stream_tail_max(st), at, len = st->tail.len;
	const char *t = st->tail.data, *nl;
	bool at_line;

	at = len > keep ? len - keep : 0;
	at_line = at ? t[at - 1] == '\n' : st->tail_at_line;
	/* cut inside a line: start after its end */
	if (!at_line && len - at > 1) {
		nl = memchr(t + at, '\n', len - at - 1);
		if (nl)
			at = (size_t)(nl - t) + 1;
	}
	rv_redact_stream_note(st, "[runeval: %llu bytes of output were "
			      "dropped; the last %zu follow]\n",
			      st->dropped, len - at);
	rv_redact_stream_put(st, t + at, len - at);
	if (st->mid_line)
		rv_redact_stream_put(st, "\n", 1);
}

void rv_redact_stream_finish(struct rv_redact_stream *st)
{
	if (st->finished)
		return;
	rv_redact_stream_emit(st, st->pending.len);
	rv_buf_release(&st->pending);
	pthread_mutex_lock(&st->lock);
	if (st->dropped)
		rv_redact_stream_end_tail(st);
	st->dropped = 0;
	rv_buf_release(&st->tail);
	st->finished = true;
	pthread_mutex_unlock(&st->lock);
}

bool rv_redact_stream_tail(struct rv_redact_stream *st, size_t max,
			   struct rv_buf *out)
{
	size_t keep, len, at;
	bool capped;

	pthread_mutex_lock(&st->lock);
	capped = st->dropped && !st->finished;
	if (capped) {
		keep = rv_redact_stream_tail_max(st);
		len = st->tail.len;
		if (max > keep)
			max = keep;
		at = len > max ? len - max : 0;
		rv_buf_add(out, st->tail.data + at, len - at);
	}
	pthread_mutex_unlock(&st->lock);
	return capped;
}

/* The cap's note in b: the last one, since the app may print its own
   before it (and NUL bytes: no str*()); NULL when there is none. */
static const char *rv_redact_stream_cap_note(const struct rv_buf *b)
{
	static const char note[] = RV_REDACT_STREAM_CAP_NOTE;
	const char *at = b->data, *end = b->data + b->len, *hit, *last = NULL;

	while (at < end && (hit = memmem(at, (size_t)(end - at), note,
					 sizeof(note) - 1))) {
		last = hit;
		at = hit + 1;
	}
	return last;
}

long long rv_redact_stream_read_tail(struct rv_redact_stream *st,
				     const char *path, size_t max,
				     struct rv_buf *out)
{
	struct rv_buf tail = RV_BUF_INIT, head = RV_BUF_INIT;
	size_t want, before = out->len;
	const char *note;

	if (!st || !rv_redact_stream_tail(st, max, &tail)) {
		rv_buf_release(&tail);
		return (long long)rv_read_tail(path, max, out);
	}
	/* just past the cap: the file's end before its note comes first */
	if (tail.len < max && rv_read_tail(path, max + 512, &head) > 0) {
		note = rv_redact_stream_cap_note(&head);
		want = max - tail.len;
		if (note) {
			size_t n = (size_t)(note - head.data);

			rv_buf_add(out, note - (n < want ? n : want),
				   n < want ? n : want);
		}
	}
	rv_buf_add(out, tail.data, tail.len);
	rv_buf_release(&tail);
	rv_buf_release(&head);
	return (long long)(out->len - before);
}

void rv_redact_stream_release(struct rv_redact_stream *st)
{
	rv_buf_release(&st->pending);
	rv_buf_release(&st->tail);
	pthread_mutex_destroy(&st->lock);
}
