/* seedlog: the job's journal of finished seeds (see seedlog.h). */
#include "seedlog.h"

#include "rollout_json.h"
#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_json.h"
#include "rv_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* stdio's buffer: a write(2) per 4 KiB of records would be most of the
   log's cost; it is flushed every SEEDLOG_FLUSH_MS anyway */
#define SEEDLOG_BUF (64u << 10)

/* read back through a window: records end roughly in seed order */
#define SEEDLOG_WINDOW (64u << 10)
#define SEEDLOG_KEY "\"details\":"
#define SEEDLOG_KEY_LEN (sizeof(SEEDLOG_KEY) - 1)

/* A record whose details move out once its line is flushed. */
struct seedlog_moving {
	struct rollout *r;
	uint64_t at;
	uint32_t len, sum;
};

/* The details' checksum (rollout_more.details_sum): FNV-1a, 32 bits. */
static uint32_t seedlog_sum(const char *p, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	return h;
}

struct seedlog {
	FILE *f;
	char *iobuf;
	char *path;
	struct rv_buf line;
	uint64_t flushed_ns;
	uint64_t size;			/* the file's, written or buffered */
	struct seedlog_moving *moving;	/* lines not flushed yet */
	size_t n_moving, cap_moving;
	bool spool;			/* size is known: details may move */
	bool broken;
};

struct seedlog_reader {
	int fd;
	char *path;
	char *win;
	uint64_t win_at;
	size_t win_len;
	bool warned;
};

/*
 * path opened (flags, O_CLOEXEC added) only as a regular file: not
 * through a symbolic link (one planted in a results directory would
 * make a job truncate or append to its target) and not a FIFO or device
 * (a read that never ends).  -1 with errno; ENODEV: not a regular file.
 */
static int seedlog_open_regular(const char *path, int flags)
{
	int fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		      0644);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = ENODEV;
		return -1;
	}
	(void)fcntl(fd, F_SETFL, flags & (O_APPEND));	/* blocking again */
	return fd;
}

/* Why seedlog_open_regular() failed, for a message. */
static const char *seedlog_why(int e)
{
	return e == ELOOP ? "it is a symbolic link, which is not followed" :
		e == ENODEV ? "it is not a regular file" : strerror(e);
}

/* how far back a cut last line is looked for: longer than any record */
#define SEEDLOG_CUT_MAX (1u << 20)

/*
 * A killed writer may have left its last line cut: drop it (its seed
 * runs again), or this run's header would be glued to it.
 */
/* The last max bytes of the file behind fd (its own, not by name) into
   out; its size, or -1. */
static off_t seedlog_read_tail(int fd, size_t max, struct rv_buf *out)
{
	struct stat st;
	off_t at;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return -1;
	at = st.st_size > (off_t)max ? st.st_size - (off_t)max : 0;
	rv_buf_grow(out, (size_t)(st.st_size - at));
	while (at < st.st_size &&
	       (n = pread(fd, out->data + out->len,
			  (size_t)(st.st_size - at), at)) > 0) {
		out->len += (size_t)n;
		at += n;
	}
	out->data[out->len] = '\0';
	return st.st_size;
}

static void seedlog_cut_partial(FILE *f, const char *path)
{
	struct rv_buf tail = RV_BUF_INIT;
	off_t size = seedlog_read_tail(fileno(f), SEEDLOG_CUT_MAX, &tail);
	size_t keep = tail.len;

	while (keep && tail.data[keep - 1] != '\n')
		keep--;
	/* a line end in reach, or a file without any */
	if (size > 0 && keep < tail.len && (keep || (off_t)tail.len == size) &&
	    ftruncate(fileno(f), size - (off_t)(tail.len - keep)) == 0)
		rv_warn("'%s' ended in a cut line (a killed run): dropped",
			path);
	rv_buf_release(&tail);
}

/*
 * Details move to the log only when its size is known and it is ours
 * alone: a regular file this process holds an exclusive lock on (a
 * second writer, say a resume of the same job run twice at once, would
 * shift the offsets).
 */
static bool seedlog_can_spool(FILE *f, bool locked, uint64_t *size)
{
	struct stat st;

	if (!locked || fstat(fileno(f), &st) || !S_ISREG(st.st_mode))
		return false;
	*size = (uint64_t)st.st_size;
	return true;
}

/*
 * Lock fd, the log at path, for this process (*locked).  Another
 * runeval holding it is an error; a file system without flock gives no
 * lock, and the log goes on unguarded (without moving details).
 */
static enum rv_code seedlog_flock(int fd, const char *path, bool *locked,
				  struct rv_err *err)
{
	static bool warned;	/* a job tries up to three times */

	*locked = flock(fd, LOCK_EX | LOCK_NB) == 0;
	if (*locked)
		return RV_OK;
	if (errno == EWOULDBLOCK)
		return rv_errf(err, RV_ERR_USAGE, "'%s' is in use by another "
			       "runeval (a job or resume running in the same "
			       "directory): wait for it to end, or use another "
			       "results directory", path);
	if (!warned)
		rv_warn("cannot lock '%s': %s; nothing keeps a second runeval "
			"out of this directory", path, strerror(errno));
	warned = true;
	return RV_OK;
}

enum rv_code seedlog_lock(const char *dir, bool create, int *fd,
			  struct rv_err *err)
{
	char *path = rv_xasprintf("%s/%s", dir, SEEDLOG_NAME);
	enum rv_code rc = RV_OK;
	bool locked = false;

	*fd = seedlog_open_regular(path, O_RDWR | O_APPEND |
				   (create ? O_CREAT : 0));
	if (*fd >= 0)
		rc = seedlog_flock(*fd, path, &locked, err);
	else if (create)
		rc = rv_errf(err, RV_ERR_CONFIG, "cannot write in the results "
			     "directory: cannot open '%s': %s", path,
			     seedlog_why(errno));
	if (*fd >= 0 && !locked) {
		close(*fd);
		*fd = -1;
	}
	free(path);
	return rc;
}

/*
 * path, for appending, locked before anything in it changes: through
 * lock (the job's, borrowed: its own descriptor shares the lock) or,
 * when that is -1, here.  *locked: the lock is ours.
 */
static FILE *seedlog_file(const char *path, int lock, unsigned run,
			  bool *locked, struct rv_err *err)
{
	int fd = lock >= 0 ? fcntl(lock, F_DUPFD_CLOEXEC, 0) :
		seedlog_open_regular(path, O_RDWR | O_CREAT | O_APPEND);
	FILE *f;

	*locked = lock >= 0;
	if (fd < 0) {
		rv_errf(err, RV_ERR_IO, "cannot open '%s': %s", path,
			seedlog_why(errno));
		return NULL;
	}
	if (lock < 0 && seedlog_flock(fd, path, locked, err) != RV_OK)
		goto fail;
	/* a new job (run 0; --force over an old job's files) starts its
	   own log, a resume continues the job's */
	if (!run && ftruncate(fd, 0) < 0) {
		rv_errf(err, RV_ERR_IO, "cannot truncate '%s': %s", path,
			strerror(errno));
		goto fail;
	}
	f = fdopen(fd, "a+");
	if (f)
		return f;
	rv_errf(err, RV_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
fail:
	close(fd);
	return NULL;
}

enum rv_code seedlog_open(const char *dir, int lock, const char *job_id,
			  unsigned run, const json_t *config,
			  struct seedlog **out, struct rv_err *err)
{
	struct seedlog *l = rv_xcalloc(1, sizeof(*l));
	bool locked = false;
	json_t *head;
	char *text;

	*out = NULL;
	l->path = rv_xasprintf("%s/%s", dir, SEEDLOG_NAME);
	l->f = seedlog_file(l->path, lock, run, &locked, err);
	if (!l->f) {
		free(l->path);
		free(l);
		return err->code;
	}
	seedlog_cut_partial(l->f, l->path);
	l->iobuf = rv_xmalloc(SEEDLOG_BUF);
	setvbuf(l->f, l->iobuf, _IOFBF, SEEDLOG_BUF);
	head = json_pack("{s:i, s:s, s:I, s:O}", "seedlog", 1, "job", job_id,
			 "run", (json_int_t)run, "config", config);
	text = rv_json_dumps(head);
	fprintf(l->f, "%s\n", text);
	l->spool = fflush(l->f) == 0 && !ferror(l->f) &&
		seedlog_can_spool(l->f, locked, &l->size);
	free(text);
	json_decref(head);
	l->flushed_ns = rv_now_ns();
	*out = l;
	return RV_OK;
}

/* The lines are in the file: their records' details move out. */
static void seedlog_moved(struct seedlog *l)
{
	for (size_t i = 0; i < l->n_moving; i++) {
		struct seedlog_moving *m = &l->moving[i];

		free(m->r->details);
		m->r->details = NULL;
		m->r->more->details_at = m->at + 1;
		m->r->more->details_len = m->len;
		m->r->more->details_sum = m->sum;
	}
	l->n_moving = 0;
}

/* A write failed: the log is off, and no record gives up its details. */
static void seedlog_broken(struct seedlog *l)
{
	if (!l->broken)
		rv_warn("cannot write '%s': %s; the job goes on without it",
			l->path, strerror(errno));
	l->broken = true;
	l->n_moving = 0;	/* they keep their details */
}

static void seedlog_flush(struct seedlog *l)
{
	/* stdio drops a buffer it could not write and flushes on: ferror
	   remembers */
	if (fflush(l->f) != 0 || ferror(l->f))
		seedlog_broken(l);
	else
		seedlog_moved(l);
	l->flushed_ns = rv_now_ns();
}

/* Details of len bytes are worth moving, and a reader reads them back. */
static bool seedlog_spoolable(size_t len)
{
	return len >= SEEDLOG_SPOOL_MIN &&
	       len < SEEDLOG_WINDOW - SEEDLOG_KEY_LEN;
}

/* r's details, at pos in the line, move out when the line is flushed. */
static void seedlog_moving(struct seedlog *l, struct rollout *r, size_t pos)
{
	size_t len = strlen(r->details);

	if (!seedlog_spoolable(len))
		return;
	if (l->n_moving == l->cap_moving) {
		l->cap_moving = l->cap_moving ? 2 * l->cap_moving : 64;
		l->moving = rv_xreallocarray(l->moving, l->cap_moving,
					     sizeof(*l->moving));
	}
	l->moving[l->n_moving++] = (struct seedlog_moving){
		.r = r, .at = l->size + pos, .len = (uint32_t)len,
		.sum = seedlog_sum(r->details, len),
	};
}

void seedlog_add(struct seedlog *l, struct rollout *r)
{
	size_t pos;
	uint64_t now;

	if (!l || l->broken)
		return;
	rv_buf_reset(&l->line);
	rollout_json_add(&l->line, r, NULL, NULL, &pos);
	rv_buf_addch(&l->line, '\n');
	if (fwrite(l->line.data, 1, l->line.len, l->f) != l->line.len) {
		seedlog_broken(l);
		return;
	}
	if (l->spool && pos != (size_t)-1 && r->more)
		seedlog_moving(l, r, pos);
	l->size += l->line.len;
	now = rv_now_ns();
	if (now - l->flushed_ns >= (uint64_t)SEEDLOG_FLUSH_MS * RV_NS_PER_MS)
		seedlog_flush(l);
}

void seedlog_close(struct seedlog *l)
{
	if (!l)
		return;
	seedlog_flush(l);
	fclose(l->f);
	free(l->iobuf);
	rv_buf_release(&l->line);
	free(l->moving);
	free(l->path);
	free(l);
}

struct seedlog_reader *seedlog_reader_open(const char *dir, int lock)
{
	struct seedlog_reader *rd;
	char *path = rv_xasprintf("%s/%s", dir, SEEDLOG_NAME);
	int fd = lock >= 0 ? fcntl(lock, F_DUPFD_CLOEXEC, 0) :
		seedlog_open_regular(path, O_RDONLY);

	if (fd < 0) {
		rv_warn("cannot read '%s': %s; the details it holds are "
			"written as null", path, seedlog_why(errno));
		free(path);
		return NULL;
	}
	rd = rv_xcalloc(1, sizeof(*rd));
	rd->fd = fd;
	rd->path = path;
	rd->win = rv_xmalloc(SEEDLOG_WINDOW);
	return rd;
}

/* Fill the window from at (as much as the file has). */
static void seedlog_window(struct seedlog_reader *rd, uint64_t at)
{
	size_t got = 0;

	while (got < SEEDLOG_WINDOW) {
		ssize_t n = pread(rd->fd, rd->win + got, SEEDLOG_WINDOW - got,
				  (off_t)(at + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	rd->win_at = at;
	rd->win_len = got;
}

/*
 * The window holds '"details":', then the len bytes at `at`, an object,
 * then the ',' before "attempts": what seedlog_add wrote there.  Details are at most
 * ROLLOUT_DETAILS_MAX bytes (and a few for their marks), far less than
 * the window.
 */
bool seedlog_read_details(struct seedlog_reader *rd,
			  const struct rollout_more *m, struct rv_buf *b)
{
	uint64_t at = m->details_at - 1;
	uint32_t len = m->details_len;
	uint64_t from = at >= SEEDLOG_KEY_LEN ? at - SEEDLOG_KEY_LEN : 0;
	const char *p = NULL;

	if (!rd || !m->details_at)
		return false;
	if (len && len < SEEDLOG_WINDOW - SEEDLOG_KEY_LEN &&
	    at >= SEEDLOG_KEY_LEN) {
		if (from < rd->win_at ||
		    at + len + 1 > rd->win_at + rd->win_len)
			seedlog_window(rd, from);
		if (from >= rd->win_at &&
		    at + len + 1 <= rd->win_at + rd->win_len)
			p = rd->win + (at - rd->win_at);
	}
	if (!p || memcmp(p - SEEDLOG_KEY_LEN, SEEDLOG_KEY, SEEDLOG_KEY_LEN) ||
	    p[0] != '{' || p[len - 1] != '}' || p[len] != ',' ||
	    seedlog_sum(p, len) != m->details_sum) {
		if (!rd->warned)
			rv_warn("'%s' does not hold the details it should at "
				"byte %llu; they are written as null",
				rd->path, (unsigned long long)at);
		rd->warned = true;
		return false;
	}
	rv_buf_add(b, p, len);
	return true;
}

void seedlog_reader_close(struct seedlog_reader *rd)
{
	if (!rd)
		return;
	close(rd->fd);
	free(rd->win);
	free(rd->path);
	free(rd);
}

/* Records in order of (seed, epoch, position in the file). */
static const struct rollout *seedlog_sort_base;

static int seedlog_cmp(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct rollout *x = &seedlog_sort_base[i];
	const struct rollout *y = &seedlog_sort_base[j];

	if (x->seed != y->seed)
		return (x->seed > y->seed) - (x->seed < y->seed);
	if (x->epoch != y->epoch)
		return (x->epoch > y->epoch) - (x->epoch < y->epoch);
	return (i > j) - (i < j);
}

/* Keep only the last record of each seed and epoch, in that order. */
static void seedlog_dedup(struct seedlog_state *st)
{
	size_t *idx = rv_xcalloc(st->n ? st->n : 1, sizeof(*idx));
	struct rollout *out = rv_xcalloc(st->n ? st->n : 1, sizeof(*out));
	size_t k = 0;

	for (size_t i = 0; i < st->n; i++)
		idx[i] = i;
	seedlog_sort_base = st->rs;
	qsort(idx, st->n, sizeof(*idx), seedlog_cmp);
	for (size_t i = 0; i < st->n; i++) {
		struct rollout *r = &st->rs[idx[i]];

		if (i + 1 < st->n && st->rs[idx[i + 1]].seed == r->seed &&
		    st->rs[idx[i + 1]].epoch == r->epoch)
			rollout_release(r);	/* a later one wins */
		else
			out[k++] = *r;
	}
	free(st->rs);
	free(idx);
	st->rs = out;
	st->n = k;
}

/*
 * A record read back from the log at offset off (its line text[0..len),
 * without the newline) gives up its details as a logged one does: they
 * are in the file already.  Only a record that is final (ok: a resume
 * neither runs nor logs it again; a failed one may be logged again, as
 * not run, and seedlog_add writes the details it holds), and only when
 * the record, written again, is the line byte for byte: then the offset
 * is where the writer put them.
 */
static void seedlog_adopt(struct rollout *r, const char *text, size_t len,
			  uint64_t off, struct rv_buf *scratch)
{
	size_t pos, dlen;

	if (!r->ok || !r->details || !r->more)
		return;
	dlen = strlen(r->details);
	if (!seedlog_spoolable(dlen))
		return;
	rv_buf_reset(scratch);
	rollout_json_add(scratch, r, NULL, NULL, &pos);
	if (pos == (size_t)-1 || scratch->len != len ||
	    memcmp(scratch->data, text, len))
		return;
	r->more->details_sum = seedlog_sum(r->details, dlen);
	free(r->details);
	r->details = NULL;
	r->more->details_at = off + pos + 1;
	r->more->details_len = (uint32_t)dlen;
}

static enum rv_code seedlog_line(struct seedlog_state *st, const char *path,
				 unsigned line, const char *text, size_t len,
				 uint64_t off, struct rv_buf *scratch,
				 struct rv_err *err)
{
	struct rv_err e = RV_ERR_INIT;
	json_t *v = rv_json_parse(text, len, "line", &e);
	enum rv_code rc = RV_OK;

	if (!json_is_object(v)) {
		json_decref(v);
		return rv_errf(err, RV_ERR_PROTO, "'%s' line %u is not a JSON "
			       "object", path, line);
	}
	if (json_object_get(v, "seedlog")) {
		const char *job = json_string_value(json_object_get(v, "job"));

		if (!job || (st->runs && strcmp(job, st->job)))
			rc = rv_errf(err, RV_ERR_PROTO, "'%s' line %u: a header "
				     "of another job", path, line);
		else if (!st->runs++) {
			snprintf(st->job, sizeof(st->job), "%s", job);
			st->config = json_incref(json_object_get(v, "config"));
		}
	} else if (!st->runs) {
		rc = rv_errf(err, RV_ERR_PROTO, "'%s' line %u: a record before "
			     "the header", path, line);
	} else {
		st->rs = rv_xreallocarray(st->rs, st->n + 1, sizeof(*st->rs));
		rc = rollout_json_read(v, &st->rs[st->n], &e);
		if (rc == RV_OK)
			seedlog_adopt(&st->rs[st->n++], text, len - 1, off,
				      scratch);
		else
			rv_errf(err, rc, "'%s' line %u: %s", path, line, e.msg);
	}
	json_decref(v);
	return rc;
}

enum rv_code seedlog_read(const char *dir, struct seedlog_state *st,
			  struct rv_err *err)
{
	char *path = rv_xasprintf("%s/%s", dir, SEEDLOG_NAME);
	int fd = seedlog_open_regular(path, O_RDONLY);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	struct rv_buf scratch = RV_BUF_INIT;
	enum rv_code rc = RV_OK;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned line = 0;
	uint64_t off = 0;

	memset(st, 0, sizeof(*st));
	if (!f) {
		rc = rv_errf(err, RV_ERR_CONFIG, "cannot open '%s': %s", path,
			     seedlog_why(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	while (rc == RV_OK && (len = getline(&buf, &cap, f)) > 0) {
		line++;
		/* a killed writer may leave its last line cut */
		if (buf[len - 1] != '\n')
			break;
		rc = seedlog_line(st, path, line, buf, (size_t)len, off,
				  &scratch, err);
		off += (uint64_t)len;
	}
	if (rc == RV_OK && !st->runs)
		rc = rv_errf(err, RV_ERR_PROTO, "'%s' has no header", path);
	if (rc == RV_OK)
		seedlog_dedup(st);
out:
	if (f)
		fclose(f);
	rv_buf_release(&scratch);
	free(buf);
	free(path);
	return rc;
}

void seedlog_state_release(struct seedlog_state *st)
{
	for (size_t i = 0; i < st->n; i++)
		rollout_release(&st->rs[i]);
	free(st->rs);
	json_decref(st->config);
	memset(st, 0, sizeof(*st));
}
