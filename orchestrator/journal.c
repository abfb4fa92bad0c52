#include "journal.h"

#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_json.h"
#include "rv_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct journal {
	pthread_mutex_t lock;
	int fd;
	char *path;
	char *job;
	long live;		/* intents not yet deleted or kept */
	bool kept;
};

char *journal_state_dir(void)
{
	return rv_state_dir();
}

/* state_dir, or the default one (malloc'ed either way). */
static char *jr_dir(const char *state_dir)
{
	return state_dir ? rv_xstrdup(state_dir) : journal_state_dir();
}

static bool jr_valid_job(const char *job)
{
	if (!job || !*job || strlen(job) > 128 || *job == '.')
		return false;
	for (const char *p = job; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x20)
			return false;
	return true;
}

static char *jr_file(const char *dir, const char *job)
{
	return rv_xasprintf("%s/jobs/%s.jsonl", dir, job);
}

enum rv_code journal_open(const char *state_dir, const char *job_id,
			  struct journal **out, struct rv_err *err)
{
	char *dir = jr_dir(state_dir);
	char *jobs = rv_xasprintf("%s/jobs", dir);
	struct journal *j;
	enum rv_code rc;

	*out = NULL;
	if (!jr_valid_job(job_id)) {
		rc = rv_errf(err, RV_ERR_USAGE, "invalid job id '%s'",
			     job_id ? job_id : "");
		goto out;
	}
	rc = rv_mkdirs(jobs, 0700, err);
	if (rc == RV_OK && access(jobs, W_OK | X_OK) < 0)
		rc = rv_errf(err, RV_ERR_IO, "cannot write the journal "
			     "directory '%s': %s", jobs, strerror(errno));
	if (rc != RV_OK)
		goto out;
	/* the file comes with the first record: a job killed before its
	   first create leaves nothing behind */
	j = rv_xcalloc(1, sizeof(*j));
	j->fd = -1;
	j->path = jr_file(dir, job_id);
	j->job = rv_xstrdup(job_id);
	pthread_mutex_init(&j->lock, NULL);
	*out = j;
out:
	free(jobs);
	free(dir);
	return rc;
}

/* Is fd (locked) still the file at path, not one that reap removed? */
static bool jr_still_there(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && a.st_nlink > 0 &&
		stat(path, &b) == 0 && a.st_dev == b.st_dev &&
		a.st_ino == b.st_ino;
}

/*
 * Create and lock the file (lock held).  The lock is what tells reap the
 * job runs; reap holds it for a moment while it removes a file without
 * live sandboxes, so a busy lock is tried again for a while, and a file
 * removed under us is made anew.
 */
static enum rv_code jr_create(struct journal *j, struct rv_err *err)
{
	char *jobs = rv_xstrndup(j->path, (size_t)(strrchr(j->path, '/') -
						   j->path));
	enum rv_code rc = RV_OK;
	int fd = -1, e = 0;

	for (int tries = 0; tries < 200 && fd < 0; tries++) {
		fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC |
			  O_NOFOLLOW, 0600);
		if (fd < 0) {
			e = errno;
			break;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 &&
		    jr_still_there(fd, j->path))
			break;
		e = errno == EWOULDBLOCK ? EWOULDBLOCK : 0;
		close(fd);
		fd = -1;
		rv_sleep_ns(5 * RV_NS_PER_MS, NULL);
	}
	if (fd < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot open the journal '%s': %s",
			     j->path, e == EWOULDBLOCK ? "another runeval "
			     "holds it" : strerror(e ? e : EIO));
		goto out;
	}
	j->fd = fd;
	/* make the new file's name durable too */
	fd = open(jobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
out:
	free(jobs);
	return rc;
}

const char *journal_path(const struct journal *j)
{
	return j->path;
}

static char *jr_line(const char *event, const char *job, const char *provider,
		     const char *api_url, const char *name, const char *id)
{
	char ts[40];
	json_t *o;
	char *s, *line;

	rv_wall_iso8601(rv_wall_ns(), ts, sizeof(ts));
	o = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:s,s:I}", "event", event,
		      "job", job, "provider", provider, "api_url", api_url,
		      "name", name, "id", id, "ts", ts, "pid",
		      (json_int_t)getpid());
	s = rv_json_dumps(o);
	line = rv_xasprintf("%s\n", s);
	free(s);
	json_decref(o);
	return line;
}

/*
 * One whole line, then fsync (fd open for reading too).  A file that
 * does not end a line (a write cut short by a full disk, a crash, an
 * edit) gets a line break first: a record glued to a partial line would
 * be lost with it, and reap's tombstone with it.
 */
static enum rv_code jr_append(int fd, const char *path, const char *line,
			      struct rv_err *err)
{
	struct stat st;
	char last = '\n';

	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n' &&
	    rv_write_all(fd, "\n", 1) < 0)
		return rv_errf(err, RV_ERR_IO, "cannot write the journal '%s': "
			       "%s", path, strerror(errno));
	if (rv_write_all(fd, line, strlen(line)) < 0)
		return rv_errf(err, RV_ERR_IO, "cannot write the journal '%s': "
			       "%s", path, strerror(errno));
	if (fsync(fd) < 0)
		return rv_errf(err, RV_ERR_IO, "cannot sync the journal '%s': "
			       "%s", path, strerror(errno));
	return RV_OK;
}

enum rv_code journal_record(struct journal *j, const char *event,
			    const char *provider, const char *api_url,
			    const char *name, const char *id,
			    struct rv_err *err)
{
	char *line = jr_line(event, j->job, provider, api_url, name, id);
	enum rv_code rc;

	pthread_mutex_lock(&j->lock);
	rc = j->fd >= 0 ? RV_OK : jr_create(j, err);
	if (rc == RV_OK)
		rc = jr_append(j->fd, j->path, line, err);
	if (rc == RV_OK && !strcmp(event, "intent"))
		j->live++;
	else if (rc == RV_OK && !strcmp(event, "deleted"))
		j->live--;
	else if (rc == RV_OK && !strcmp(event, "kept")) {
		j->live--;
		j->kept = true;
	}
	pthread_mutex_unlock(&j->lock);
	free(line);
	return rc;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	/* nothing left to reap: the file has done its job */
	if (j->fd >= 0 && j->live <= 0 && !j->kept)
		unlink(j->path);
	if (j->fd >= 0)
		close(j->fd);
	pthread_mutex_destroy(&j->lock);
	free(j->path);
	free(j->job);
	free(j);
}

/* Open path (never through a link, never waiting on a FIFO). */
static int jr_open_read(const char *path)
{
	return open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
}

bool journal_job_running(const char *state_dir, const char *job_id)
{
	char *dir = jr_dir(state_dir);
	char *path = jr_file(dir, job_id);
	int fd = jr_open_read(path);
	bool running = false;

	if (fd >= 0) {
		running = flock(fd, LOCK_SH | LOCK_NB) < 0 &&
			errno == EWOULDBLOCK;
		close(fd);
	}
	free(path);
	free(dir);
	return running;
}

static void jr_entry_free(struct journal_entry *e)
{
	free(e->job);
	free(e->provider);
	free(e->api_url);
	free(e->name);
	free(e->id);
	memset(e, 0, sizeof(*e));
}

void journal_entries_free(struct journal_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		jr_entry_free(&v[i]);
	free(v);
}

static bool jr_same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* The entry of this sandbox (by name, else id) among v[from..n). */
static struct journal_entry *jr_find(struct journal_entry *v, size_t from,
				     size_t n, const char *name,
				     const char *id)
{
	for (size_t i = from; i < n; i++)
		if (jr_same(v[i].name, name) || jr_same(v[i].id, id))
			return &v[i];
	return NULL;
}

/* Apply one record to the entries of its file (v[from..*n)). */
static void jr_apply(json_t *rec, struct journal_entry **v, size_t from,
		     size_t *n)
{
	const char *ev = rv_json_str(rec, "event");
	const char *name = rv_json_str(rec, "name");
	const char *id = rv_json_str(rec, "id");
	struct journal_entry *e;

	if (!ev || (!name && !id))
		return;
	e = jr_find(*v, from, *n, name, id);
	if (!e && (!strcmp(ev, "intent") || !strcmp(ev, "created"))) {
		*v = rv_xreallocarray(*v, *n + 1, sizeof(**v));
		e = &(*v)[(*n)++];
		memset(e, 0, sizeof(*e));
		e->job = rv_xstrdup(rv_json_str(rec, "job"));
		e->provider = rv_xstrdup(rv_json_str(rec, "provider"));
		e->api_url = rv_xstrdup(rv_json_str(rec, "api_url"));
	}
	if (!e)
		return;
	if (!e->name && name)
		e->name = rv_xstrdup(name);
	if (!e->id && id)
		e->id = rv_xstrdup(id);
	if (!strcmp(ev, "kept"))
		e->kept = true;
	if (!strcmp(ev, "deleted")) {
		jr_entry_free(e);
		memmove(e, e + 1, (size_t)((*v + *n) - (e + 1)) * sizeof(*e));
		(*n)--;
	}
}

/*
 * Why a journal file is not to be read, or NULL: reap sends the
 * provider's credentials to the API a record names, so it takes only a
 * regular file (a link is never followed) that is this user's and that
 * no one else may write; as it is read whole, one of a sane size.
 */
static const char *jr_untrusted(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return "not a regular file";
	if (st.st_uid != geteuid())
		return "it belongs to another user";
	if (st.st_mode & 022)
		return "others may write it (chmod go-w)";
	return NULL;
}

/* A file not read: one bad line, so that it is never pruned. */
static size_t jr_refuse(const char *path, const char *why, bool warn,
			bool *refused)
{
	if (warn)
		rv_warn("journal '%s' not read: %s; what it lists is not "
			"reaped (a file system without POSIX owners and modes "
			"cannot hold journals)", path, why);
	*refused = true;
	return 1;
}

/*
 * Add the live entries of the journal open on fd (named path) to *v;
 * the count of bad lines.  A file not read (untrusted or unreadable)
 * counts one, so that it is never pruned, and sets *refused; with warn,
 * a warning says why.
 */
static size_t jr_scan_fd(int fd, const char *path, struct journal_entry **v,
			 size_t *n, bool warn, bool *refused)
{
	struct rv_buf text = RV_BUF_INIT;
	struct rv_err e = RV_ERR_INIT;
	size_t from = *n, bad = 0;
	const char *why = jr_untrusted(fd);

	if (!why && rv_read_fd(fd, path, JOURNAL_FILE_MAX, &text, &e) != RV_OK)
		why = e.msg;
	if (why) {
		rv_buf_release(&text);
		return jr_refuse(path, why, warn, refused);
	}
	*refused = false;
	for (char *p = text.data, *end = p + text.len, *nl; p < end;
	     p = nl ? nl + 1 : end) {
		size_t len;
		json_t *rec;

		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl ? nl : end) - p);
		if (!len)
			continue;
		rec = rv_json_parse(p, len, "journal", NULL);
		if (json_is_object(rec) && rv_json_str(rec, "job"))
			jr_apply(rec, v, from, n);
		else
			bad++;
		json_decref(rec);
	}
	rv_buf_release(&text);
	return bad;
}

/* jr_scan_fd on the file at path; a file that is not there is none. */
static size_t jr_scan_file(const char *path, struct journal_entry **v,
			   size_t *n, bool warn, bool *refused)
{
	int fd = jr_open_read(path);
	size_t bad;

	*refused = false;
	if (fd < 0)
		return errno == ENOENT ? 0 :
		       jr_refuse(path, errno == ELOOP ? "a symbolic link" :
				 strerror(errno), warn, refused);
	bad = jr_scan_fd(fd, path, v, n, warn, refused);
	close(fd);
	return bad;
}

/*
 * Remove path when it lists no live sandbox, every line of it is a
 * record, and no job holds its lock (held here while it is read, so that
 * a job cannot start writing to a file being removed).
 */
static bool jr_prune_file(const char *path)
{
	int fd = jr_open_read(path);
	struct journal_entry *v = NULL;
	size_t n = 0, bad;
	bool gone = false, refused;

	if (fd < 0)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		bad = jr_scan_fd(fd, path, &v, &n, false, &refused);
		gone = !n && !bad && unlink(path) == 0;
		journal_entries_free(v, n);
	}
	close(fd);
	return gone;
}

/* Call fn on the path of each journal file (of job_id, or of all). */
static void jr_each_file(const char *dir, const char *job_id,
			 void (*fn)(const char *path, void *arg), void *arg)
{
	char *jobs = rv_xasprintf("%s/jobs", dir);
	struct dirent *de;
	DIR *d;

	if (job_id) {
		char *p = jr_file(dir, job_id);

		fn(p, arg);
		free(p);
	} else if ((d = opendir(jobs))) {
		while ((de = readdir(d))) {
			size_t len = strlen(de->d_name);
			char *p;

			if (len < 7 || strcmp(de->d_name + len - 6, ".jsonl"))
				continue;
			p = rv_xasprintf("%s/%s", jobs, de->d_name);
			fn(p, arg);
			free(p);
		}
		closedir(d);
	}
	free(jobs);
}

struct jr_scan {
	struct journal_entry **v;
	size_t *n;
	size_t *refused;	/* NULL: quiet */
};

static void jr_scan_one(const char *path, void *arg)
{
	struct jr_scan *sc = arg;
	bool refused;

	jr_scan_file(path, sc->v, sc->n, sc->refused != NULL, &refused);
	if (sc->refused)
		*sc->refused += refused;
}

enum rv_code journal_scan(const char *state_dir, const char *job_id,
			  struct journal_entry **out, size_t *n,
			  size_t *refused, struct rv_err *err)
{
	struct jr_scan sc = { out, n, refused };
	char *dir;

	*out = NULL;
	*n = 0;
	if (refused)
		*refused = 0;
	if (job_id && !jr_valid_job(job_id))
		return rv_errf(err, RV_ERR_USAGE, "invalid job id '%s'",
			       job_id);
	dir = jr_dir(state_dir);
	jr_each_file(dir, job_id, jr_scan_one, &sc);
	for (size_t i = 0; i < *n; i++)
		(*out)[i].job_running = (*out)[i].job &&
			journal_job_running(dir, (*out)[i].job);
	free(dir);
	return RV_OK;
}

struct jr_prune {
	void (*fn)(const char *path, void *arg);
	void *arg;
	size_t count;
};

static void jr_prune_one(const char *path, void *arg)
{
	struct jr_prune *pr = arg;

	if (!jr_prune_file(path))
		return;
	pr->count++;
	if (pr->fn)
		pr->fn(path, pr->arg);
}

size_t journal_prune(const char *state_dir, const char *job_id,
		     void (*fn)(const char *path, void *arg), void *arg)
{
	struct jr_prune pr = { fn, arg, 0 };
	char *dir;

	if (job_id && !jr_valid_job(job_id))
		return 0;
	dir = jr_dir(state_dir);
	jr_each_file(dir, job_id, jr_prune_one, &pr);
	free(dir);
	return pr.count;
}

enum rv_code journal_tombstone(const char *state_dir,
			       const struct journal_entry *e,
			       struct rv_err *err)
{
	char *dir, *path, *line;
	enum rv_code rc;
	int fd;

	if (!jr_valid_job(e->job))
		return rv_errf(err, RV_ERR_USAGE, "invalid job id '%s'",
			       e->job ? e->job : "");
	dir = jr_dir(state_dir);
	path = jr_file(dir, e->job);
	line = jr_line("deleted", e->job, e->provider, e->api_url,
			     e->name, e->id);
	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot open the journal '%s': %s",
			     path, strerror(errno));
		goto out;
	}
	rc = jr_append(fd, path, line, err);
	close(fd);
	if (rc != RV_OK)
		goto out;
	jr_prune_file(path);	/* when that was the last one */
out:
	free(line);
	free(path);
	free(dir);
	return rc;
}
