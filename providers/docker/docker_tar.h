/*
 * docker_tar: tar streams for PUT /containers/{id}/archive?path=/.
 *
 * The engine unpacks an archive only into a directory that exists, which
 * costs a `mkdir -p` exec per upload (and a running container).  Sent at
 * the root instead, with every member renamed below the app's directory
 * (a pax "path" record of its own, ahead of the member's header), the
 * directory is made by the archive itself (the engine makes missing
 * parents 0755), so one request does it, even into a container that is
 * created but not started.  Members are appended without the archive's
 * end, so that several archives (the app, its env file, the boot
 * script) go in one request: docker_tar_end() closes it.
 */
#ifndef RUNEVAL_PROVIDERS_DOCKER_DOCKER_TAR_H
#define RUNEVAL_PROVIDERS_DOCKER_DOCKER_TAR_H

#include <stddef.h>

#include "rv_buf.h"
#include "rv_err.h"

/*
 * Append the members of the plain (ustar, pax or GNU) tar in tar[0..len)
 * to out, each renamed "<dir>/<its name>" (dir absolute; hard links'
 * targets too, symbolic links' left alone), without the end of the
 * archive.  RV_ERR_PROVIDER for a tar that is not one (out then holds a
 * part: reset it).
 */
enum rv_code docker_tar_prefix(const char *tar, size_t len, const char *dir,
			       struct rv_buf *out, struct rv_err *err);

/* Append a regular file member (path absolute, mode 0..07777). */
void docker_tar_file(struct rv_buf *out, const char *path, const char *data,
		     size_t len, unsigned mode);

/* Append the end of the archive (two zero blocks). */
void docker_tar_end(struct rv_buf *out);

#endif
