/* bundle: the app packed once per content (bundle.h). */
#include "bundle.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_fs.h"
#include "rv_log.h"
#include "rv_random.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


static struct mode_bundle *bundle_new(int fd, char *path, const char *name,
				      const char *sha, uint64_t bytes,
				      bool cached)
{
	struct mode_bundle *b = rv_xcalloc(1, sizeof(*b));

	b->fd = fd;
	b->path = path;
	b->name = rv_xstrdup(name);
	memcpy(b->sha256, sha, TARBALL_SHA256_HEX);
	b->bytes = bytes;
	b->cached = cached;
	return b;
}

/* No cache: an unlinked temporary file, gone even after a SIGKILL. */
static enum rv_code bundle_pack_tmp(const char *dir, struct mode_bundle **out,
				    struct rv_err *err)
{
	char tmpl[] = "/tmp/runeval-bundle-XXXXXX.tar.gz";
	struct tarball_info info;
	enum rv_code rc;
	char *name;
	int fd = mkostemps(tmpl, 7, O_CLOEXEC);

	if (fd < 0)
		return rv_errf(err, RV_ERR_IO, "cannot make a temporary file "
			       "in /tmp");
	rc = tarball_pack(dir, tmpl, &info, err);
	unlink(tmpl);
	if (rc != RV_OK) {
		close(fd);
		return rc;
	}
	/* mkstemps' descriptor still sees the packed file (same inode) */
	name = rv_xasprintf("bundle-%.16s.tar.gz", info.sha256);
	*out = bundle_new(fd, rv_xasprintf("/proc/self/fd/%d", fd), name,
			  info.sha256, info.bytes, false);
	free(name);
	return RV_OK;
}

/* The bundle the ref of key names, when it is there whole. */
static struct mode_bundle *bundle_lookup(const char *cache, const char *key)
{
	char *ref = rv_xasprintf("%s/%s.ref", cache, key), *path = NULL;
	char sha[TARBALL_SHA256_HEX], name[96];
	unsigned long long bytes = 0;
	struct mode_bundle *b = NULL;
	struct stat st;
	FILE *f = fopen(ref, "re");
	int fd = -1;

	if (!f || fscanf(f, "%64s %llu %95s", sha, &bytes, name) != 3 ||
	    strlen(sha) != 64 || strncmp(name, "bundle-", 7) ||
	    strchr(name, '/'))
		goto out;
	path = rv_xasprintf("%s/%s", cache, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size != bytes)
		goto out;
	/* most recently used: the last to be evicted */
	futimens(fd, NULL);
	utimensat(AT_FDCWD, ref, NULL, 0);
	b = bundle_new(fd, path, name, sha, bytes, true);
	fd = -1;
	path = NULL;
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	free(path);
	free(ref);
	return b;
}

struct bundle_old {
	char *path;
	long long mtime;
};

static int bundle_old_cmp(const void *a, const void *b)
{
	long long x = ((const struct bundle_old *)a)->mtime;
	long long y = ((const struct bundle_old *)b)->mtime;

	return x < y ? 1 : x > y ? -1 : 0;	/* newest first */
}

/* Keep the `keep` most recently used files of the cache ending in sfx. */
static void bundle_evict(const char *cache, const char *sfx, size_t keep)
{
	struct bundle_old *v = NULL;
	size_t n = 0, cap = 0, sl = strlen(sfx);
	DIR *d = opendir(cache);
	struct dirent *de;
	struct stat st;

	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char *p;

		if (l <= sl || strcmp(de->d_name + l - sl, sfx))
			continue;
		p = rv_xasprintf("%s/%s", cache, de->d_name);
		if (lstat(p, &st) < 0) {
			free(p);
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			v = rv_xreallocarray(v, cap, sizeof(*v));
		}
		v[n].path = p;
		v[n++].mtime = (long long)st.st_mtim.tv_sec * 1000000000LL +
			st.st_mtim.tv_nsec;
	}
	if (d)
		closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), bundle_old_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i >= keep)
			unlink(v[i].path);
		free(v[i].path);
	}
	free(v);
}

struct bundle_ref {
	const struct tarball_info *info;
	const char *name;
};

static bool bundle_ref_fill(FILE *f, void *arg)
{
	const struct bundle_ref *r = arg;

	fprintf(f, "%s %llu %s\n", r->info->sha256,
		(unsigned long long)r->info->bytes, r->name);
	return true;
}

/* Pack dir into the cache under key. */
static enum rv_code bundle_store(const char *dir, const char *cache,
				 const char *key, struct mode_bundle **out,
				 struct rv_err *err)
{
	char rnd[17], *tmp, *path = NULL, *ref = NULL, name[96];
	struct tarball_info info;
	struct bundle_ref r = { &info, name };
	unsigned char raw[8];
	enum rv_code rc;
	int fd = -1;

	rv_random(raw, sizeof(raw));
	rv_hex(raw, sizeof(raw), rnd);
	tmp = rv_xasprintf("%s/.tmp-%s.tar.gz", cache, rnd);
	rc = tarball_pack(dir, tmp, &info, err);
	if (rc != RV_OK)
		goto out;
	snprintf(name, sizeof(name), "bundle-%.32s.tar.gz", info.sha256);
	path = rv_xasprintf("%s/%s", cache, name);
	if (rename(tmp, path) < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot rename '%s' to '%s': %s",
			     tmp, path, strerror(errno));
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot read '%s': %s", path,
			     strerror(errno));
		goto out;
	}
	ref = rv_xasprintf("%s/%s.ref", cache, key);
	rc = rv_replace_file(ref, bundle_ref_fill, &r, true, err);
	if (rc != RV_OK)
		goto out;
	*out = bundle_new(fd, path, name, info.sha256, info.bytes, false);
	fd = -1;
	path = NULL;
	bundle_evict(cache, ".tar.gz", MODE_BUNDLE_KEEP);
	bundle_evict(cache, ".ref", 4 * MODE_BUNDLE_KEEP);
out:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	free(path);
	free(ref);
	return rc;
}

/* The cache's answer: found, packed into it, or an error to fall back. */
static enum rv_code bundle_cached(const char *dir, const char *cache,
				  struct mode_bundle **out, struct rv_err *err)
{
	char key[TARBALL_SHA256_HEX], ih[TARBALL_SHA256_HEX], *idxdir;
	char *real = realpath(dir, NULL), *index = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	enum rv_code rc;

	if (!real)
		return rv_errf(err, RV_ERR_IO, "cannot pack '%s': %s", dir,
			       strerror(errno));
	idxdir = rv_xasprintf("%s/index", cache);
	rc = rv_mkdirs(idxdir, 0700, err);
	if (rc == RV_OK) {
		EVP_Digest(real, strlen(real), md, &mdlen, EVP_sha256(), NULL);
		rv_hex(md, mdlen, ih);
		index = rv_xasprintf("%s/%.32s", idxdir, ih);
		rc = mode_bundle_key(real, index, key, err);
	}
	if (rc == RV_OK) {
		*out = bundle_lookup(cache, key);
		if (!*out)
			rc = bundle_store(real, cache, key, out, err);
	}
	free(index);
	free(idxdir);
	free(real);
	return rc;
}

enum rv_code mode_pack_app(const char *dir, const char *cache_dir,
			   struct mode_bundle **out, struct rv_err *err)
{
	struct rv_err e = RV_ERR_INIT;
	struct stat st;

	*out = NULL;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return rv_errf(err, RV_ERR_IO, "cannot pack '%s': %s", dir,
			       errno ? strerror(errno) : "not a directory");
	if (cache_dir && bundle_cached(dir, cache_dir, out, &e) == RV_OK)
		return RV_OK;
	if (cache_dir)
		rv_warn("bundle cache '%s' not used: %s", cache_dir, e.msg);
	return bundle_pack_tmp(dir, out, err);
}

void mode_pack_release(struct mode_bundle *b)
{
	if (!b)
		return;
	close(b->fd);
	free(b->path);
	free(b->name);
	free(b);
}
