#include "toolbox_path.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

void tb_roots_init(struct tb_roots *r, const char *cwd,
		   const char *const *roots, int nroots)
{
	memset(r, 0, sizeof(*r));
	r->cwd = tb_path_normalize("/", cwd);
	for (int i = -1; i < nroots && r->n < TB_MAX_ROOTS; i++) {
		const char *root = i < 0 ? cwd : roots[i];
		char *real;

		if (!root)
			continue;
		r->lexical[r->n] = tb_path_normalize("/", root);
		real = realpath(r->lexical[r->n], NULL);
		r->real[r->n] = real ? real : rv_xstrdup(r->lexical[r->n]);
		r->n++;
	}
}

void tb_roots_release(struct tb_roots *r)
{
	free(r->cwd);
	for (int i = 0; i < r->n; i++) {
		free(r->lexical[i]);
		free(r->real[i]);
	}
	memset(r, 0, sizeof(*r));
}

char *tb_path_normalize(const char *base, const char *p)
{
	struct rv_buf b = RV_BUF_INIT;
	char *joined = p[0] == '/' ? rv_xstrdup(p) :
		rv_xasprintf("%s/%s", base, p);
	char *save = NULL;

	for (char *seg = strtok_r(joined, "/", &save); seg;
	     seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			char *slash = strrchr(b.data, '/');

			rv_buf_truncate(&b, slash ? (size_t)(slash - b.data) : 0);
			continue;
		}
		rv_buf_addch(&b, '/');
		rv_buf_adds(&b, seg);
	}
	if (!b.len)
		rv_buf_addch(&b, '/');
	free(joined);
	return rv_buf_detach(&b, NULL);
}

bool tb_path_within(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		return path[0] == '/';
	return !strncmp(path, root, n) && (path[n] == '\0' || path[n] == '/');
}

static bool tb_within_any(char *const *roots, int n, const char *path)
{
	for (int i = 0; i < n; i++)
		if (tb_path_within(path, roots[i]))
			return true;
	return false;
}

/* realpath() of the deepest existing ancestor of path (malloc'ed). */
static char *tb_real_ancestor(const char *path)
{
	char *p = rv_xstrdup(path);

	for (;;) {
		char *real = realpath(p, NULL);
		char *slash;

		if (real || errno != ENOENT || !strcmp(p, "/")) {
			free(p);
			return real;
		}
		slash = strrchr(p, '/');
		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

enum rv_code tb_path_resolve(const struct tb_roots *r, const char *p,
			     char **out, struct rv_err *err)
{
	char *abs, *real;
	bool inside;

	*out = NULL;
	if (!p || !*p)
		return rv_errf(err, RV_ERR_USAGE, "path is required");
	if (strlen(p) >= PATH_MAX || memchr(p, '\n', strlen(p)))
		return rv_errf(err, RV_ERR_USAGE, "invalid path");
	abs = tb_path_normalize(r->cwd, p);
	if (!tb_within_any(r->lexical, r->n, abs)) {
		free(abs);
		return rv_errf(err, RV_ERR_USAGE,
			       "path '%s' is outside the sandbox (allowed: the "
			       "home directory, the work directory and /tmp)",
			       p);
	}
	real = tb_real_ancestor(abs);
	inside = real && (tb_within_any(r->real, r->n, real) ||
			  tb_within_any(r->lexical, r->n, real));
	free(real);
	if (!inside) {
		free(abs);
		return rv_errf(err, RV_ERR_USAGE,
			       "path '%s' resolves outside the sandbox", p);
	}
	*out = abs;
	return RV_OK;
}

enum rv_code tb_mkdir_p(const char *path, mode_t mode, struct rv_err *err)
{
	char *p = rv_xstrdup(path);
	enum rv_code rc = RV_OK;

	for (char *s = p + 1; ; s++) {
		char c = *s;
		struct stat st;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = rv_errf(err, RV_ERR_IO, "mkdir %s: %s", p,
				     strerror(errno));
			break;
		}
		if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
			rc = rv_errf(err, RV_ERR_IO, "mkdir %s: not a directory",
				     p);
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}

/* Go's FileMode.String() of st ("drwxr-xr-x") into out[16]. */
void tb_file_mode_string(const struct stat *st, char out[16])
{
	static const char rwx[] = "rwxrwxrwx";
	mode_t m = st->st_mode;
	int w = 0;

	if (S_ISDIR(m))
		out[w++] = 'd';
	if (S_ISLNK(m))
		out[w++] = 'L';
	if (S_ISBLK(m) || S_ISCHR(m))
		out[w++] = 'D';
	if (S_ISFIFO(m))
		out[w++] = 'p';
	if (S_ISSOCK(m))
		out[w++] = 'S';
	if (m & S_ISUID)
		out[w++] = 'u';
	if (m & S_ISGID)
		out[w++] = 'g';
	if (S_ISCHR(m))
		out[w++] = 'c';
	if (m & S_ISVTX)
		out[w++] = 't';
	if (!w)
		out[w++] = '-';
	for (int i = 0; i < 9; i++)
		out[w++] = (m & (1u << (8 - i))) ? rwx[i] : '-';
	out[w] = '\0';
}

/* Go's time.String() and RFC 3339 with nanoseconds, in local time. */
void tb_file_times(const struct timespec *ts, char *go, size_t gosz,
			  char *rfc, size_t rfcsz)
{
	struct tm tm;
	char date[32], frac[16] = "", zone[16], tz[8];
	long ns = ts->tv_nsec;
	int digits = 9;

	localtime_r(&ts->tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	while (ns && ns % 10 == 0) {
		ns /= 10;
		digits--;
	}
	if (ns)
		snprintf(frac, sizeof(frac), ".%0*ld", digits, ns);
	strftime(zone, sizeof(zone), "%z %Z", &tm);
	snprintf(go, gosz, "%s%s %s", date, frac, zone);
	strftime(tz, sizeof(tz), "%z", &tm);
	date[10] = 'T';
	if (!strcmp(tz, "+0000"))
		snprintf(rfc, rfcsz, "%s%sZ", date, frac);
	else
		snprintf(rfc, rfcsz, "%s%s%.3s:%s", date, frac, tz, tz + 3);
}
