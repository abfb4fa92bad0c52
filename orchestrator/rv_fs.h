/*
 * rv_fs: small file-system helpers shared by every folder.
 */
#ifndef RUNEVAL_ORCHESTRATOR_RV_FS_H
#define RUNEVAL_ORCHESTRATOR_RV_FS_H

#include <sys/types.h>

#include "rv_err.h"

/*
 * mkdir -p: create path and every missing parent with mode; existing
 * directories are fine.  On failure err says "cannot create '<the
 * component that failed>': <reason>" with code RV_ERR_IO.
 */
enum rv_code rv_mkdirs(const char *path, mode_t mode, struct rv_err *err);

#endif
