#include "tarball.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_dl.h"
#include "rv_fs.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* libarchive is loaded on first use: local mode never needs it (rv_dl.h) */
#define TB_ARCHIVE_FUNCS(X) \
	X(archive_entry_filetype) X(archive_entry_free) X(archive_entry_new) \
	X(archive_entry_pathname) X(archive_entry_set_gid) \
	X(archive_entry_set_filetype) X(archive_entry_set_perm) \
	X(archive_entry_set_size) X(archive_entry_set_mtime) \
	X(archive_entry_set_gname) X(archive_entry_set_pathname) \
	X(archive_entry_set_uid) X(archive_entry_set_uname) \
	X(archive_entry_size) X(archive_error_string) X(archive_read_data) \
	X(archive_read_disk_descend) X(archive_read_disk_new) \
	X(archive_read_disk_open) X(archive_read_disk_set_symlink_physical) \
	X(archive_read_free) X(archive_read_next_header2) X(archive_set_error) \
	X(archive_write_add_filter_gzip) X(archive_write_close) \
	X(archive_write_data) X(archive_write_free) X(archive_write_header) \
	X(archive_write_new) X(archive_write_open) \
	X(archive_write_set_bytes_in_last_block) \
	X(archive_write_set_filter_option) \
	X(archive_write_set_format_pax_restricted)

TB_ARCHIVE_FUNCS(RV_DL_DECLARE)

static const struct rv_dl_sym tb_archive_syms[] = {
	TB_ARCHIVE_FUNCS(RV_DL_ENTRY)
};

static struct rv_dl_lib tb_archive =
	RV_DL_LIB("libarchive.so.13", "libarchive13", tb_archive_syms);

#define TARBALL_GZIP_LEVEL "6"
#define TARBALL_GZIP_LEVEL_N 6

struct tb_sink {
	int fd;
	EVP_MD_CTX *md;
	uint64_t bytes;
	int error;		/* errno of a failed write */
};

static la_ssize_t tb_write(struct archive *a, void *arg, const void *buf,
			   size_t len)
{
	struct tb_sink *s = arg;

	if (rv_write_all(s->fd, buf, len) < 0) {
		s->error = errno;
		sym_archive_set_error(a, errno, "write failed");
		return -1;
	}
	EVP_DigestUpdate(s->md, buf, len);
	s->bytes += len;
	return (la_ssize_t)len;
}

/*
 * A gzip'ed pax writer into sink (fd set; its digest is made here), or
 * NULL when it cannot be opened.
 */
static struct archive *tb_writer_open(struct tb_sink *sink)
{
	struct archive *w = sym_archive_write_new();

	sink->md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(sink->md, EVP_sha256(), NULL);
	sym_archive_write_add_filter_gzip(w);
	/* level 6: 8% smaller than level 1 on the bundle (3.9 MB, not
	   4.2), level 9 gains 0.5% for several times the time; a bundle is
	   packed once per content (bundle.h), unpacked in every sandbox,
	   and gzip is what every image can unpack (xz: 22% smaller, 2-4x
	   slower to unpack; zstd: a binary most images lack) */
	sym_archive_write_set_filter_option(w, "gzip", "compression-level",
					TARBALL_GZIP_LEVEL);
	/* no time stamp in the gzip header: the same input packs the same */
	sym_archive_write_set_filter_option(w, "gzip", "timestamp", NULL);
	sym_archive_write_set_format_pax_restricted(w);
	/* no zero padding after the gzip stream: a reader that takes
	   concatenated gzip members (Docker's archive upload) calls
	   trailing zeros a bad header */
	sym_archive_write_set_bytes_in_last_block(w, 1);
	if (sym_archive_write_open(w, sink, NULL, tb_write, NULL) !=
	    ARCHIVE_OK) {
		sym_archive_write_free(w);
		return NULL;
	}
	return w;
}

/*
 * Close and free w (rc: how the writing went), flush the file and fill
 * in info's digest and size; returns the outcome.
 */
static enum rv_code tb_writer_close(struct archive *w, struct tb_sink *sink,
				    const char *what, enum rv_code rc,
				    struct tarball_info *info,
				    struct rv_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (sym_archive_write_close(w) != ARCHIVE_OK && rc == RV_OK)
		rc = rv_errf(err, RV_ERR_IO, "cannot write '%s': %s", what,
			     sink->error ? strerror(sink->error) :
			     sym_archive_error_string(w));
	sym_archive_write_free(w);
	if (rc == RV_OK && fsync(sink->fd) < 0 && errno != EINVAL)
		rc = rv_errf(err, RV_ERR_IO, "cannot write '%s': %s", what,
			     strerror(errno));
	if (rc == RV_OK) {
		EVP_DigestFinal_ex(sink->md, md, &mdlen);
		rv_hex(md, mdlen, info->sha256);
		info->bytes = sink->bytes;
	}
	return rc;
}

/* Copy the data of the current disk entry into the writer. */
static int tb_copy_data(struct archive *disk, struct archive *w)
{
	char buf[64 * 1024];
	la_ssize_t n;

	while ((n = sym_archive_read_data(disk, buf, sizeof(buf))) > 0)
		if (sym_archive_write_data(w, buf, (size_t)n) != n)
			return ARCHIVE_FATAL;
	return n < 0 ? ARCHIVE_FATAL : ARCHIVE_OK;
}

/* Walk dir and write each entry under its relative name. */
static enum rv_code tb_walk(struct archive *disk, struct archive *w,
			    const char *dir, size_t dlen,
			    struct tarball_info *info, struct rv_err *err)
{
	struct archive_entry *e = sym_archive_entry_new();
	enum rv_code rc = RV_OK;
	int r;

	while ((r = sym_archive_read_next_header2(disk, e)) != ARCHIVE_EOF) {
		const char *path = sym_archive_entry_pathname(e);

		if (r < ARCHIVE_WARN) {
			rc = rv_errf(err, RV_ERR_IO, "cannot read '%s': %s",
				     dir, sym_archive_error_string(disk));
			break;
		}
		sym_archive_read_disk_descend(disk);
		if (strncmp(path, dir, dlen) || (path[dlen] != '/' &&
						 path[dlen] != '\0'))
			continue;
		if (path[dlen] == '\0')
			continue;	/* the top directory itself */
		sym_archive_entry_set_pathname(e, path + dlen + 1);
		sym_archive_entry_set_uid(e, 0);
		sym_archive_entry_set_gid(e, 0);
		sym_archive_entry_set_uname(e, NULL);
		sym_archive_entry_set_gname(e, NULL);
		if (sym_archive_write_header(w, e) < ARCHIVE_WARN ||
		    (sym_archive_entry_filetype(e) == AE_IFREG &&
		     sym_archive_entry_size(e) > 0 &&
		     tb_copy_data(disk, w) != ARCHIVE_OK)) {
			rc = rv_errf(err, RV_ERR_IO, "cannot pack '%s': %s",
				     path, sym_archive_error_string(w) ?
				     sym_archive_error_string(w) :
				     sym_archive_error_string(disk));
			break;
		}
		info->entries++;
	}
	sym_archive_entry_free(e);
	return rc;
}

enum rv_code tarball_pack(const char *dir, const char *out_path,
			  struct tarball_info *info, struct rv_err *err)
{
	struct tb_sink sink = { .fd = -1 };
	struct archive *disk = NULL, *w = NULL;
	size_t dlen = strlen(dir);
	enum rv_code rc = RV_OK;
	struct stat st;
	char *top;

	memset(info, 0, sizeof(*info));
	rc = rv_dl_load(&tb_archive, "packing the task app", err);
	if (rc != RV_OK)
		return rc;
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	top = rv_xstrndup(dir, dlen);
	if (stat(top, &st) < 0 || !S_ISDIR(st.st_mode)) {
		rc = rv_errf(err, RV_ERR_IO, "cannot pack '%s': %s", top,
			     errno ? strerror(errno) : "not a directory");
		goto out;
	}
	sink.fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		       0644);
	if (sink.fd < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot write '%s': %s", out_path,
			     strerror(errno));
		goto out;
	}
	disk = sym_archive_read_disk_new();
	sym_archive_read_disk_set_symlink_physical(disk);
	w = tb_writer_open(&sink);
	if (!w || sym_archive_read_disk_open(disk, top) != ARCHIVE_OK) {
		rc = rv_errf(err, RV_ERR_IO, "cannot pack '%s': %s", top,
			     !w ? "cannot open the archive writer" :
			     sym_archive_error_string(disk) ?
			     sym_archive_error_string(disk) :
			     sym_archive_error_string(w));
		goto out;
	}
	rc = tb_walk(disk, w, top, dlen, info, err);
	rc = tb_writer_close(w, &sink, out_path, rc, info, err);
	w = NULL;
out:
	if (disk)
		sym_archive_read_free(disk);
	if (w)
		sym_archive_write_free(w);
	if (sink.fd >= 0)
		close(sink.fd);
	if (rc != RV_OK && sink.fd >= 0)
		unlink(out_path);
	EVP_MD_CTX_free(sink.md);
	free(top);
	return rc;
}

/* Into sink: its bytes written and digested; false on a failed write. */
static bool tb_sink_put(struct tb_sink *s, const void *buf, size_t len)
{
	if (rv_write_all(s->fd, buf, len) < 0) {
		s->error = errno;
		return false;
	}
	EVP_DigestUpdate(s->md, buf, len);
	s->bytes += len;
	return true;
}

/* Deflate in (len bytes; flush: Z_NO_FLUSH or Z_FINISH) into sink. */
static bool tb_gzip(z_stream *z, struct tb_sink *sink, const void *in,
		    size_t len, int flush)
{
	unsigned char out[16 * 1024];
	int zrc;

	z->next_in = (Bytef *)(uintptr_t)in;
	z->avail_in = (uInt)len;
	do {
		z->next_out = out;
		z->avail_out = sizeof(out);
		zrc = deflate(z, flush);
		if (zrc == Z_STREAM_ERROR ||
		    !tb_sink_put(sink, out, sizeof(out) - z->avail_out))
			return false;
	} while (z->avail_out == 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
	return true;
}

/*
 * The ustar header of one regular file (what libarchive's restricted pax
 * writes for a short name): owner 0, no user or group names.
 */
static void tb_ustar_header(unsigned char h[512], const char *name,
			    size_t len, unsigned mode)
{
	unsigned sum = 0;

	memset(h, 0, 512);
	memcpy(h, name, strlen(name));
	snprintf((char *)h + 100, 8, "%06o ", mode & 07777);
	memcpy(h + 108, "000000 ", 8);
	memcpy(h + 116, "000000 ", 8);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)len);
	snprintf((char *)h + 136, 12, "%011llo",
		 (unsigned long long)time(NULL));
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

/*
 * One file, packed without libarchive: a ustar header, the data, the end
 * of the archive, through zlib (libcurl's own dependency).  Every sandbox
 * packs its env file twice; a job whose bundle is cached never loads
 * libarchive and its dozen libraries (3 MB of RSS).
 */
enum rv_code tarball_pack_file(const char *name, const void *data,
			       size_t len, unsigned mode, int fd,
			       struct tarball_info *info, struct rv_err *err)
{
	static const unsigned char zero[1536];	/* padding, end blocks */
	struct tb_sink sink = { .fd = fd };
	unsigned char head[512], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	z_stream z = { 0 };
	bool ok;

	memset(info, 0, sizeof(*info));
	if (!*name || strlen(name) >= 100)
		return rv_errf(err, RV_ERR_USAGE, "cannot pack '%s': the "
			       "name is empty or longer than 99 bytes", name);
	if (deflateInit2(&z, TARBALL_GZIP_LEVEL_N, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return rv_errf(err, RV_ERR_IO, "cannot pack '%s'", name);
	sink.md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(sink.md, EVP_sha256(), NULL);
	tb_ustar_header(head, name, len, mode);
	ok = tb_gzip(&z, &sink, head, sizeof(head), Z_NO_FLUSH) &&
		tb_gzip(&z, &sink, data, len, Z_NO_FLUSH) &&
		tb_gzip(&z, &sink, zero, (512 - len % 512) % 512 + 1024,
			Z_FINISH);
	deflateEnd(&z);
	if (ok && fsync(fd) < 0 && errno != EINVAL) {
		sink.error = errno;
		ok = false;
	}
	if (ok) {
		EVP_DigestFinal_ex(sink.md, md, &mdlen);
		rv_hex(md, mdlen, info->sha256);
		info->bytes = sink.bytes;
		info->entries = 1;
	}
	EVP_MD_CTX_free(sink.md);
	if (!ok)
		return rv_errf(err, RV_ERR_IO, "cannot write '%s': %s", name,
			       sink.error ? strerror(sink.error) :
			       "deflate failed");
	return RV_OK;
}
