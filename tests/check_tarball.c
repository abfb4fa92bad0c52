/* The bundle tarball: contents, modes, links, checksum, errors. */
#include "testutil.h"

#include "rv_alloc.h"
#include "rv_err.h"
#include "tarball.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static void write_file(const char *path, const void *data, size_t len,
		       mode_t mode)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	chmod(path, mode);
}

/* A small app tree: a file, a big binary, a script, a link, an empty dir. */
static char *make_tree(const char *top, char **big, size_t *big_len)
{
	char *dir = rv_xasprintf("%s/app", top);
	char *p;

	*big_len = 300 * 1024 + 7;
	*big = rv_xmalloc(*big_len);
	for (size_t i = 0; i < *big_len; i++)
		(*big)[i] = (char)(i * 2654435761u >> 13);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	p = rv_xasprintf("%s/sub", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
	p = rv_xasprintf("%s/empty", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	p = rv_xasprintf("%s/a.txt", dir);
	write_file(p, "hello\n", 6, 0644);
	free(p);
	p = rv_xasprintf("%s/sub/big.bin", dir);
	write_file(p, *big, *big_len, 0600);
	free(p);
	p = rv_xasprintf("%s/start.sh", dir);
	write_file(p, "#!/bin/sh\necho hi\n", 18, 0755);
	free(p);
	p = rv_xasprintf("%s/link", dir);
	ck_assert_int_eq(symlink("a.txt", p), 0);
	free(p);
	return dir;
}

static char *run_capture(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	char buf[512] = "";
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	ck_assert_int_eq(pclose(f), 0);
	return rv_xstrdup(buf);
}

START_TEST(test_tarball_roundtrip_with_system_tar)
{
	char *top = tu_tmpdir(), *big, *dir, *tgz, *out, *cmd, *s, *p;
	struct tarball_info info;
	struct rv_err err = RV_ERR_INIT;
	struct stat st;
	size_t big_len, len;

	dir = make_tree(top, &big, &big_len);
	tgz = rv_xasprintf("%s/app.tar.gz", top);
	ck_assert_int_eq(tarball_pack(dir, tgz, &info, &err), RV_OK);
	ck_assert_uint_eq(info.entries, 6);	/* 2 dirs, 3 files, a link */
	ck_assert_int_eq(stat(tgz, &st), 0);
	ck_assert_uint_eq(info.bytes, (uint64_t)st.st_size);
	ck_assert_uint_lt(info.bytes, big_len);	/* compressed */

	/* the checksum is sha256sum's */
	cmd = rv_xasprintf("sha256sum '%s' | cut -c1-64", tgz);
	s = run_capture(cmd);
	ck_assert_int_eq(strncmp(s, info.sha256, 64), 0);
	free(s);
	free(cmd);

	/* GNU tar unpacks it with contents, modes and the link intact */
	out = rv_xasprintf("%s/out", top);
	ck_assert_int_eq(mkdir(out, 0755), 0);
	cmd = rv_xasprintf("tar xzf '%s' -C '%s'", tgz, out);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	p = rv_xasprintf("%s/sub/big.bin", out);
	s = tu_read_file(p, &len);
	ck_assert_uint_eq(len, big_len);
	ck_assert_int_eq(memcmp(s, big, len), 0);
	free(s);
	free(p);
	p = rv_xasprintf("%s/start.sh", out);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0755);
	free(p);
	p = rv_xasprintf("%s/link", out);
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	free(p);
	p = rv_xasprintf("%s/empty", out);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	free(p);

	free(out);
	free(tgz);
	free(dir);
	free(big);
	tu_rmrf(top);
	free(top);
}
END_TEST

START_TEST(test_tarball_names_are_relative)
{
	char *top = tu_tmpdir(), *big, *dir, *slash, *tgz;
	struct archive_entry *e;
	struct tarball_info info;
	struct rv_err err = RV_ERR_INIT;
	struct archive *a;
	size_t big_len;
	unsigned n = 0;

	dir = make_tree(top, &big, &big_len);
	slash = rv_xasprintf("%s//", dir);	/* trailing slashes are fine */
	tgz = rv_xasprintf("%s/app.tgz", top);
	ck_assert_int_eq(tarball_pack(slash, tgz, &info, &err), RV_OK);
	a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	ck_assert_int_eq(archive_read_open_filename(a, tgz, 10240), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		ck_assert_msg(name[0] != '/' && strncmp(name, "./", 2) &&
			      strncmp(name, "app", 3) && !strstr(name, ".."),
			      "bad entry name '%s'", name);
		ck_assert_int_eq(archive_entry_uid(e), 0);
		ck_assert(!archive_entry_uname(e) || !*archive_entry_uname(e));
		n++;
	}
	ck_assert_uint_eq(n, info.entries);
	archive_read_free(a);
	free(tgz);
	free(slash);
	free(dir);
	free(big);
	tu_rmrf(top);
	free(top);
}
END_TEST

/*
 * The file is one gzip member and nothing after it: a reader that takes
 * concatenated members (Go's, in Docker's archive upload) calls trailing
 * zero padding a broken second header.
 */
START_TEST(test_tarball_nothing_after_the_gzip_stream)
{
	char *top = tu_tmpdir(), *big, *dir, *tgz, *data;
	struct tarball_info info;
	struct rv_err err = RV_ERR_INIT;
	unsigned char out[65536];
	z_stream zs = { 0 };
	size_t big_len, len;
	int zrc;

	dir = make_tree(top, &big, &big_len);
	tgz = rv_xasprintf("%s/app.tgz", top);
	ck_assert_int_eq(tarball_pack(dir, tgz, &info, &err), RV_OK);
	data = tu_read_file(tgz, &len);
	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	do {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		zrc = inflate(&zs, Z_NO_FLUSH);
	} while (zrc == Z_OK);
	ck_assert_int_eq(zrc, Z_STREAM_END);
	ck_assert_msg(zs.avail_in == 0, "%u bytes after the gzip stream",
		      zs.avail_in);
	inflateEnd(&zs);
	free(data);
	free(tgz);
	free(dir);
	free(big);
	tu_rmrf(top);
	free(top);
}
END_TEST

/*
 * One file packed without libarchive (the env file of every sandbox):
 * GNU tar unpacks it whole with its mode, at sizes on and around the
 * 512-byte blocks; the digest is sha256sum's, the size the file's, and a
 * name tar's header cannot hold is refused with a clear error.
 */
START_TEST(test_tarball_one_file_for_system_tar)
{
	static const size_t sizes[] = { 0, 1, 511, 512, 513, 5000 };
	char *top = tu_tmpdir(), *tgz = rv_xasprintf("%s/env.tgz", top);
	char *out = rv_xasprintf("%s/out", top), *cmd, *s, *p;
	char longname[120];
	struct tarball_info info;
	struct rv_err err = RV_ERR_INIT;
	struct stat st;
	size_t len;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		char *data = rv_xcalloc(sizes[i] + 1, 1);
		int fd = open(tgz, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		for (size_t k = 0; k < sizes[i]; k++)
			data[k] = (char)('a' + (k * 7 + i) % 26);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(tarball_pack_file(".runeval-env", data,
						   sizes[i], 0600, fd, &info,
						   &err), RV_OK);
		close(fd);
		ck_assert_uint_eq(info.entries, 1);
		ck_assert_int_eq(stat(tgz, &st), 0);
		ck_assert_uint_eq(info.bytes, (uint64_t)st.st_size);
		cmd = rv_xasprintf("sha256sum '%s' | cut -c1-64", tgz);
		s = run_capture(cmd);
		ck_assert_int_eq(strncmp(s, info.sha256, 64), 0);
		free(s);
		free(cmd);
		cmd = rv_xasprintf("rm -rf '%s' && mkdir '%s' && tar xzf '%s' "
				   "-C '%s'", out, out, tgz, out);
		ck_assert_int_eq(system(cmd), 0);
		free(cmd);
		p = rv_xasprintf("%s/.runeval-env", out);
		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert_int_eq(st.st_mode & 0777, 0600);
		s = tu_read_file(p, &len);
		ck_assert_uint_eq(len, sizes[i]);
		ck_assert_int_eq(memcmp(s, data, len), 0);
		free(s);
		free(p);
		free(data);
	}
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	{
		int fd = open(tgz, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		ck_assert_int_eq(tarball_pack_file(longname, "x", 1, 0600, fd,
						   &info, &err), RV_ERR_USAGE);
		ck_assert_ptr_nonnull(strstr(err.msg, "longer than 99"));
		close(fd);
	}
	free(out);
	free(tgz);
	tu_rmrf(top);
	free(top);
}
END_TEST

START_TEST(test_tarball_errors_name_the_path)
{
	char *top = tu_tmpdir(), *missing, *tgz, *file;
	struct tarball_info info;
	struct rv_err err = RV_ERR_INIT;

	missing = rv_xasprintf("%s/nope", top);
	tgz = rv_xasprintf("%s/x.tgz", top);
	ck_assert_int_eq(tarball_pack(missing, tgz, &info, &err), RV_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "nope"));
	ck_assert_int_eq(access(tgz, F_OK), -1);

	/* a file is not a directory */
	file = rv_xasprintf("%s/f", top);
	write_file(file, "x", 1, 0644);
	ck_assert_int_eq(tarball_pack(file, tgz, &info, &err), RV_ERR_IO);

	/* an output path that cannot be written */
	free(tgz);
	tgz = rv_xasprintf("%s/no/such/dir/x.tgz", top);
	ck_assert_int_eq(tarball_pack(top, tgz, &info, &err), RV_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "x.tgz"));

	free(file);
	free(tgz);
	free(missing);
	tu_rmrf(top);
	free(top);
}
END_TEST

static Suite *tarball_suite(void)
{
	Suite *s = suite_create("tarball");
	TCase *tc = tcase_create("core");
	TCase *te = tcase_create("errors");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_tarball_roundtrip_with_system_tar);
	tcase_add_test(tc, test_tarball_names_are_relative);
	tcase_add_test(tc, test_tarball_nothing_after_the_gzip_stream);
	tcase_add_test(te, test_tarball_errors_name_the_path);
	tcase_add_test(tc, test_tarball_one_file_for_system_tar);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, te);
	return s;
}

int main(void)
{
	return tu_run_suite(tarball_suite()) ? 1 : 0;
}
