/*
 * bundle: the task app packed for upload, once per content.
 *
 * mode_pack_app() packs an app directory into one .tar.gz (tarball.h).
 * With a cache directory (the runner gives STATE_DIR/bundles), the
 * bundle is kept there under the app's content key, and a job whose app
 * did not change opens the packed file instead of packing again:
 *
 *   content key   SHA-256 over every entry of the app, in name order:
 *                 type, permission bits, relative name, and a file's size
 *                 and SHA-256 (a symlink's target).  A file's SHA-256
 *                 comes from the stat index (CACHE/index/<hash of the
 *                 app's path>) while its size, mtime, ctime, inode and
 *                 device are unchanged, so an unchanged app is not read
 *                 again; a file changed less than 2 s before it was
 *                 indexed is hashed again next time (its mtime may not
 *                 tell a change within the same tick).
 *   CACHE/<key>.ref          "<sha256 of the tar.gz> <bytes> <file name>"
 *   CACHE/bundle-<sha>.tar.gz the packed app; its name holds its own
 *                 SHA-256, so a reader never pairs a file with another
 *                 pack's checksum (two jobs may pack at once)
 *
 * A hit checks the file's size against the ref and touches it; after a
 * pack, all but the MODE_BUNDLE_KEEP most recently used bundles are
 * removed.  Every file is written next to its final name and renamed
 * into place.  A cache that cannot be used (not writable, full) is
 * skipped with a warning: the app is packed into an unlinked temporary
 * file as without a cache.  Whatever the cache holds, the sandbox still
 * checks the upload's SHA-256 before unpacking it.
 *
 * Ownership: *out is the caller's, released with mode_pack_release()
 * (NULL is fine).  Errors: RV_ERR_IO naming the path and the reason.
 */
#ifndef RUNEVAL_MODES_BUNDLE_H
#define RUNEVAL_MODES_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "rv_err.h"
#include "tarball.h"

#define MODE_BUNDLE_KEEP 8

struct mode_bundle {
	int fd;				/* the packed file, open */
	char *path;			/* the file to upload: in the cache, or
					   "/proc/self/fd/<fd>" (unlinked) */
	char *name;			/* its name for the upload
					   ("bundle-<sha>.tar.gz") */
	char sha256[TARBALL_SHA256_HEX];
	uint64_t bytes;
	bool cached;			/* opened from the cache, not packed */
};

/*
 * Pack dir (or find it packed in cache_dir, which may be NULL: no
 * cache) for upload.
 */
enum rv_code mode_pack_app(const char *dir, const char *cache_dir,
			   struct mode_bundle **out, struct rv_err *err);
void mode_pack_release(struct mode_bundle *b);

/*
 * The content key of dir (64 hex digits and a NUL in key), reading only
 * the files the index at index_path (may be NULL: none) does not vouch
 * for, and rewriting the index.  For tests and the cache above.
 */
enum rv_code mode_bundle_key(const char *dir, const char *index_path,
			     char key[TARBALL_SHA256_HEX],
			     struct rv_err *err);

#endif
