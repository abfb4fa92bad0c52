/*
 * tarball: pack a directory into one gzip-compressed tar (libarchive),
 * checksummed with SHA-256, for providers that upload a task app.
 *
 * Entries are relative to the directory ("bin/taskapp", not "./bin/..."),
 * keep their permission bits and symlinks (not followed), and carry no
 * owner names.  Errors: RV_ERR_IO with the path and the reason.
 */
#ifndef RUNEVAL_MODES_TARBALL_H
#define RUNEVAL_MODES_TARBALL_H

#include <stddef.h>
#include <stdint.h>

#include "rv_err.h"

#define TARBALL_SHA256_HEX 65	/* 64 hex digits and a NUL */

struct tarball_info {
	char sha256[TARBALL_SHA256_HEX];	/* of the .tar.gz file */
	uint64_t bytes;				/* size of the .tar.gz */
	unsigned entries;			/* files, dirs and links */
};

/* Pack the contents of dir into out_path (created or replaced). */
enum rv_code tarball_pack(const char *dir, const char *out_path,
			  struct tarball_info *info, struct rv_err *err);

/*
 * Pack one regular file, name (1 to 99 bytes: one ustar header), holding
 * data (len bytes) with permission bits mode, into the open file fd
 * (written from its current offset; a memfd keeps a secret off the
 * disk).  Made with zlib alone: libarchive is not loaded for it.  A name
 * that does not fit is RV_ERR_USAGE.
 */
enum rv_code tarball_pack_file(const char *name, const void *data,
			       size_t len, unsigned mode, int fd,
			       struct tarball_info *info, struct rv_err *err);

#endif
