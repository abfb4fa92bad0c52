/* bundle_key: the content key of an app and its stat index (bundle.h). */
#include "bundle.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUNDLE_RACY_NS (2ULL * 1000000000ULL)
#define BUNDLE_MAX_DEPTH 64

/* One file the index vouches for. */
struct bidx_ent {
	char *rel;
	unsigned long long size, mtime, ctime, ino, dev;
	char sha[TARBALL_SHA256_HEX];
};

struct bidx {
	struct bidx_ent *v;
	size_t n, cap;
};

struct bwalk {
	EVP_MD_CTX *md;			/* the content key */
	const struct bidx *old;		/* sorted by rel */
	struct bidx new;		/* what the next run may trust */
	unsigned long long now;
	const char *top;
};

static int bidx_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bidx_ent *)a)->rel,
		      ((const struct bidx_ent *)b)->rel);
}

static void bidx_release(struct bidx *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->v[i].rel);
	free(x->v);
	memset(x, 0, sizeof(*x));
}

static struct bidx_ent *bidx_add(struct bidx *x)
{
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 32;
		x->v = rv_xreallocarray(x->v, x->cap, sizeof(*x->v));
	}
	memset(&x->v[x->n], 0, sizeof(x->v[0]));
	return &x->v[x->n++];
}

/* The index at path; a missing or garbled one is just empty. */
static void bidx_load(const char *path, struct bidx *x)
{
	FILE *f = path ? fopen(path, "re") : NULL;
	char line[PATH_MAX + 256];

	while (f && fgets(line, sizeof(line), f)) {
		struct bidx_ent e = { 0 };
		int off = 0;
		size_t len = strlen(line);

		if (!len || line[len - 1] != '\n')
			break;
		line[len - 1] = '\0';
		if (sscanf(line, "%llu %llu %llu %llu %llu %64s %n", &e.size,
			   &e.mtime, &e.ctime, &e.ino, &e.dev, e.sha,
			   &off) != 6 || !off || strlen(e.sha) != 64)
			continue;
		*bidx_add(x) = e;
		x->v[x->n - 1].rel = rv_xstrdup(line + off);
	}
	if (f)
		fclose(f);
	if (x->n)	/* qsort(NULL, 0, ...) is undefined */
		qsort(x->v, x->n, sizeof(*x->v), bidx_cmp);
}

static bool bidx_fill(FILE *f, void *arg)
{
	const struct bidx *x = arg;

	for (size_t i = 0; i < x->n; i++)
		fprintf(f, "%llu %llu %llu %llu %llu %s %s\n", x->v[i].size,
			x->v[i].mtime, x->v[i].ctime, x->v[i].ino, x->v[i].dev,
			x->v[i].sha, x->v[i].rel);
	return true;
}

static unsigned long long bundle_ns(struct timespec t)
{
	return (unsigned long long)t.tv_sec * 1000000000ULL +
		(unsigned long long)t.tv_nsec;
}

/* SHA-256 of a file's content, hex, into sha. */
static enum rv_code bundle_hash_file(int dirfd, const char *name,
				     const char *rel, char *sha,
				     struct rv_err *err)
{
	unsigned char buf[64 * 1024], md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned mdlen = 0;
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		EVP_MD_CTX_free(c);
		return rv_errf(err, RV_ERR_IO, "cannot read '%s': %s", rel,
			       strerror(errno));
	}
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(c, buf, (size_t)n);
	close(fd);
	EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	if (n < 0)
		return rv_errf(err, RV_ERR_IO, "cannot read '%s': %s", rel,
			       strerror(errno));
	rv_hex(md, mdlen, sha);
	return RV_OK;
}

/* A regular file: its hash from the index when its stat still matches. */
static enum rv_code bundle_file(struct bwalk *w, int dirfd, const char *name,
				const char *rel, const struct stat *st,
				char *sha, struct rv_err *err)
{
	struct bidx_ent key = { .rel = (char *)rel }, *hit, *e;
	unsigned long long mt = bundle_ns(st->st_mtim);
	unsigned long long ct = bundle_ns(st->st_ctim);
	enum rv_code rc;

	hit = w->old->n ? bsearch(&key, w->old->v, w->old->n,
				  sizeof(key), bidx_cmp) : NULL;
	if (hit && hit->size == (unsigned long long)st->st_size &&
	    hit->mtime == mt && hit->ctime == ct &&
	    hit->ino == (unsigned long long)st->st_ino &&
	    hit->dev == (unsigned long long)st->st_dev) {
		memcpy(sha, hit->sha, TARBALL_SHA256_HEX);
	} else {
		rc = bundle_hash_file(dirfd, name, rel, sha, err);
		if (rc != RV_OK)
			return rc;
	}
	/* written within the clock's reach of now: a write in the same
	   tick would leave its times as they are, so hash it again later */
	if (strchr(rel, '\n') || mt + BUNDLE_RACY_NS > w->now)
		return RV_OK;
	e = bidx_add(&w->new);
	e->rel = rv_xstrdup(rel);
	e->size = (unsigned long long)st->st_size;
	e->mtime = mt;
	e->ctime = ct;
	e->ino = (unsigned long long)st->st_ino;
	e->dev = (unsigned long long)st->st_dev;
	memcpy(e->sha, sha, TARBALL_SHA256_HEX);
	return RV_OK;
}

/* Feed one field and its terminating NUL to the key. */
static void bundle_feed(struct bwalk *w, const char *s)
{
	EVP_DigestUpdate(w->md, s, strlen(s) + 1);
}

static int bundle_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in dirfd, sorted (without "." and ".."); *n of them. */
static char **bundle_names(int dirfd, size_t *n)
{
	DIR *d = fdopendir(dirfd);
	char **v = NULL;
	struct dirent *de;
	size_t cap = 0;

	*n = 0;
	if (!d) {
		close(dirfd);
		return NULL;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			v = rv_xreallocarray(v, cap, sizeof(*v));
		}
		v[(*n)++] = rv_xstrdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), bundle_name_cmp);
	return v;
}

static enum rv_code bundle_walk(struct bwalk *w, int dirfd, const char *rel,
				int depth, struct rv_err *err);

/* One entry of the tree into the key. */
static enum rv_code bundle_entry(struct bwalk *w, int dirfd, const char *name,
				 const char *rel, int depth,
				 struct rv_err *err)
{
	char sha[TARBALL_SHA256_HEX], buf[PATH_MAX], num[64];
	enum rv_code rc = RV_OK;
	struct stat st;
	ssize_t n;
	int sub;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return rv_errf(err, RV_ERR_IO, "cannot read '%s/%s': %s",
			       w->top, rel, strerror(errno));
	snprintf(num, sizeof(num), "%o", (unsigned)(st.st_mode & 07777));
	if (S_ISREG(st.st_mode)) {
		rc = bundle_file(w, dirfd, name, rel, &st, sha, err);
		if (rc != RV_OK)
			return rc;
		bundle_feed(w, "f");
		bundle_feed(w, num);
		bundle_feed(w, rel);
		snprintf(num, sizeof(num), "%lld", (long long)st.st_size);
		bundle_feed(w, num);
		bundle_feed(w, sha);
	} else if (S_ISLNK(st.st_mode)) {
		n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);
		if (n < 0)
			return rv_errf(err, RV_ERR_IO, "cannot read '%s/%s': %s",
				       w->top, rel, strerror(errno));
		buf[n] = '\0';
		bundle_feed(w, "l");
		bundle_feed(w, rel);
		bundle_feed(w, buf);
	} else if (S_ISDIR(st.st_mode)) {
		if (depth >= BUNDLE_MAX_DEPTH)
			return rv_errf(err, RV_ERR_IO, "cannot pack '%s': "
				       "deeper than %d directories", w->top,
				       BUNDLE_MAX_DEPTH);
		bundle_feed(w, "d");
		bundle_feed(w, num);
		bundle_feed(w, rel);
		sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
			     O_NOFOLLOW);
		if (sub < 0)
			return rv_errf(err, RV_ERR_IO, "cannot read '%s/%s': %s",
				       w->top, rel, strerror(errno));
		rc = bundle_walk(w, sub, rel, depth + 1, err);
	} else {
		snprintf(num, sizeof(num), "%o", (unsigned)st.st_mode);
		bundle_feed(w, "o");
		bundle_feed(w, num);
		bundle_feed(w, rel);
	}
	return rc;
}

/* Every entry under dirfd (closed here), in name order. */
static enum rv_code bundle_walk(struct bwalk *w, int dirfd, const char *rel,
				int depth, struct rv_err *err)
{
	int dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	size_t n = 0;
	char **names = dup_fd >= 0 ? bundle_names(dup_fd, &n) : NULL;
	enum rv_code rc = RV_OK;

	if (dup_fd < 0 || (!names && n == 0 && errno == EBADF))
		rc = rv_errf(err, RV_ERR_IO, "cannot read '%s/%s': %s",
			     w->top, rel, strerror(errno));
	for (size_t i = 0; i < n; i++) {
		char *sub = *rel ? rv_xasprintf("%s/%s", rel, names[i]) :
			rv_xstrdup(names[i]);

		if (rc == RV_OK)
			rc = bundle_entry(w, dirfd, names[i], sub, depth, err);
		free(sub);
		free(names[i]);
	}
	free(names);
	close(dirfd);
	return rc;
}

enum rv_code mode_bundle_key(const char *dir, const char *index_path,
			     char key[TARBALL_SHA256_HEX],
			     struct rv_err *err)
{
	struct bidx old = { 0 };
	struct bwalk w = { 0 };
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	struct timespec now;
	enum rv_code rc;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return rv_errf(err, RV_ERR_IO, "cannot pack '%s': %s", dir,
			       strerror(errno));
	bidx_load(index_path, &old);
	clock_gettime(CLOCK_REALTIME, &now);
	w.md = EVP_MD_CTX_new();
	w.old = &old;
	w.now = bundle_ns(now);
	w.top = dir;
	EVP_DigestInit_ex(w.md, EVP_sha256(), NULL);
	bundle_feed(&w, "runeval.bundle/1");
	rc = bundle_walk(&w, fd, "", 0, err);
	EVP_DigestFinal_ex(w.md, md, &mdlen);
	rv_hex(md, mdlen, key);
	/* the index is a hint: failing to save it costs a re-read only */
	if (rc == RV_OK && index_path)
		rv_replace_file(index_path, bidx_fill, &w.new, false, NULL);
	EVP_MD_CTX_free(w.md);
	bidx_release(&w.new);
	bidx_release(&old);
	return rc;
}
