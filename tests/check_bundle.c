/*
 * check_bundle: the app packed once per content (modes/bundle.h): a
 * second job finds it in the cache, a change of content (not of time
 * stamps) packs again, the cache keeps a bounded number of bundles,
 * an unusable cache falls back to a temporary file, and the upload
 * carries the bundle's name (the multipart filename was "6", from
 * /proc/self/fd/6).
 */
#include "bundle.h"
#include "daytona_api.h"
#include "daytona_toolbox.h"
#include "remote.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_http.h"
#include "stub_http.h"
#include "testutil.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static char *tmp;

static void put(const char *rel, const char *text)
{
	char *p = rv_xasprintf("%s/%s", tmp, rel);
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

/* Back-date a file's times so that the index may vouch for it (files
   changed in the last 2 s are hashed again on every run). */
static void age(const char *rel)
{
	char *p = rv_xasprintf("%s/%s", tmp, rel);
	struct timeval tv[2];

	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= 60;
	tv[1] = tv[0];
	ck_assert_int_eq(utimes(p, tv), 0);
	free(p);
}

static void setup(void)
{
	char *p;

	tmp = tu_tmpdir();
	p = rv_xasprintf("%s/app", tmp);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
	p = rv_xasprintf("%s/app/bin", tmp);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
	put("app/start.sh", "#!/bin/sh\nexec ./bin/app\n");
	put("app/bin/app", "pretend this is a binary\n");
	age("app/start.sh");
	age("app/bin/app");
}

static void teardown(void)
{
	tu_rmrf(tmp);
	free(tmp);
}

static struct mode_bundle *pack(const char *cache)
{
	char *app = rv_xasprintf("%s/app", tmp);
	char *c = cache ? rv_xasprintf("%s/%s", tmp, cache) : NULL;
	struct mode_bundle *b = NULL;
	struct rv_err err = RV_ERR_INIT;

	ck_assert_msg(mode_pack_app(app, c, &b, &err) == RV_OK, "%s",
		      err.msg);
	ck_assert_ptr_nonnull(b);
	free(app);
	free(c);
	return b;
}

static size_t count(const char *dir, const char *suffix)
{
	char *cmd = rv_xasprintf("ls -a '%s/%s' | grep -c '%s$'", tmp, dir,
				 suffix);
	FILE *f = popen(cmd, "r");
	size_t n = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%zu", &n), 1);
	pclose(f);
	free(cmd);
	return n;
}

START_TEST(test_bundle_second_job_finds_it_packed)
{
	struct mode_bundle *a = pack("cache"), *b;
	char *name;

	ck_assert(!a->cached);
	ck_assert_str_eq(a->name + strlen(a->name) - 7, ".tar.gz");
	ck_assert(!strncmp(a->name, "bundle-", 7));
	ck_assert(!strncmp(a->name + 7, a->sha256, 32));
	b = pack("cache");
	ck_assert(b->cached);
	ck_assert_str_eq(a->sha256, b->sha256);
	ck_assert_str_eq(a->path, b->path);
	ck_assert_uint_eq(a->bytes, b->bytes);
	/* the upload's name is the bundle's */
	name = remote_upload_name(b->path);
	ck_assert_str_eq(name, b->name);
	free(name);
	mode_pack_release(a);
	mode_pack_release(b);
}
END_TEST

START_TEST(test_bundle_content_not_time_decides)
{
	struct mode_bundle *a = pack("cache"), *b, *c;
	struct timeval tv[2];
	char *p = rv_xasprintf("%s/app/bin/app", tmp);

	/* new times, same bytes: the same content, found packed */
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= 30;
	tv[1] = tv[0];
	ck_assert_int_eq(utimes(p, tv), 0);
	b = pack("cache");
	ck_assert(b->cached);
	ck_assert_str_eq(a->sha256, b->sha256);
	/* one byte changed, same size: packed again */
	put("app/bin/app", "pretend this is a binarY\n");
	c = pack("cache");
	ck_assert(!c->cached);
	ck_assert_str_ne(a->sha256, c->sha256);
	/* a mode bit is content too */
	mode_pack_release(c);
	ck_assert_int_eq(chmod(p, 0700), 0);
	c = pack("cache");
	ck_assert(!c->cached);
	mode_pack_release(a);
	mode_pack_release(b);
	mode_pack_release(c);
	free(p);
}
END_TEST

START_TEST(test_bundle_cache_is_bounded)
{
	for (int i = 0; i < MODE_BUNDLE_KEEP + 3; i++) {
		char text[64];

		snprintf(text, sizeof(text), "version %d\n", i);
		put("app/version", text);
		mode_pack_release(pack("cache"));
	}
	ck_assert_uint_eq(count("cache", ".tar.gz"), MODE_BUNDLE_KEEP);
	/* nothing half-written is left behind */
	ck_assert_uint_eq(count("cache", ".tmp"), 0);
}
END_TEST

START_TEST(test_bundle_unusable_cache_falls_back)
{
	struct mode_bundle *b;
	char *name;

	put("cache", "a file where the cache directory should be\n");
	b = pack("cache");
	ck_assert(!b->cached);
	ck_assert(!strncmp(b->path, "/proc/self/fd/", 14));
	/* unlinked, but the upload still goes by a real name */
	name = remote_upload_name(b->path);
	ck_assert_msg(!strncmp(name, "runeval-bundle-", 15) &&
		      strstr(name, ".tar.gz"), "%s", name);
	free(name);
	mode_pack_release(b);
}
END_TEST

START_TEST(test_bundle_key_reads_only_what_changed)
{
	char *app = rv_xasprintf("%s/app", tmp);
	char *idx = rv_xasprintf("%s/index", tmp);
	char *bin = rv_xasprintf("%s/app/bin/app", tmp);
	char k1[TARBALL_SHA256_HEX], k2[TARBALL_SHA256_HEX];
	struct rv_err err = RV_ERR_INIT;

	ck_assert_int_eq(mode_bundle_key(app, idx, k1, &err), RV_OK);
	/* the index vouches for both files (their times are a minute old) */
	{
		char *text = tu_read_file(idx, NULL);

		ck_assert_msg(strstr(text, " bin/app\n") &&
			      strstr(text, " start.sh\n"), "%s", text);
		free(text);
	}
	ck_assert_int_eq(mode_bundle_key(app, idx, k2, &err), RV_OK);
	ck_assert_str_eq(k1, k2);
	/* a file changed just now is hashed, and not trusted next time */
	put("app/bin/app", "fresh\n");
	ck_assert_int_eq(mode_bundle_key(app, idx, k2, &err), RV_OK);
	ck_assert_str_ne(k1, k2);
	{
		char *text = tu_read_file(idx, NULL);

		ck_assert_ptr_null(strstr(text, " bin/app\n"));
		free(text);
	}
	free(app);
	free(idx);
	free(bin);
}
END_TEST

/* The multipart part carrying the file, as a stub toolbox saw it. */
struct seen {
	struct rv_buf req;
};

static void seen_serve(int fd, void *arg)
{
	struct seen *s = arg;
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
		"Connection: close\r\n\r\n{}";
	size_t body_at;

	if (stub_http_read(fd, &s->req, &body_at))
		stub_http_send(fd, ok, sizeof(ok) - 1);
}

START_TEST(test_bundle_upload_is_named)
{
	struct seen s = { RV_BUF_INIT };
	struct stub_http h = { .serve = seen_serve, .arg = &s };
	struct mode_bundle *b = pack(NULL);	/* /proc/self/fd/N */
	struct daytona_config cfg = { .api_key = "k", .no_env = true };
	struct daytona_client *c;
	struct rv_err err = RV_ERR_INIT;
	char url[64], *want;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d",
		 stub_http_start(&h));
	cfg.api_url = url;
	c = daytona_client_new(&cfg, &err);
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(daytona_upload_file(c, url, b->path, "/tmp/x.tar.gz",
					  NULL, &err) == RV_OK, "%s", err.msg);
	stub_http_stop(&h);
	/* the body is binary: look for the part's header as bytes */
	want = rv_xstrdup("; filename=\"runeval-bundle-");
	ck_assert(memmem(s.req.data, s.req.len, want, strlen(want)));
	ck_assert_ptr_null(memmem(s.req.data, s.req.len, "filename=\"6\"",
				  12));
	free(want);
	daytona_client_free(c);
	rv_buf_release(&s.req);
	mode_pack_release(b);
}
END_TEST

static Suite *bundle_suite(void)
{
	Suite *s = suite_create("bundle");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bundle_second_job_finds_it_packed);
	tcase_add_test(tc, test_bundle_content_not_time_decides);
	tcase_add_test(tc, test_bundle_cache_is_bounded);
	tcase_add_test(tc, test_bundle_unusable_cache_falls_back);
	tcase_add_test(tc, test_bundle_key_reads_only_what_changed);
	tcase_add_test(tc, test_bundle_upload_is_named);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(bundle_suite()) ? 1 : 0;
}
