#include "rv_fs.h"

#include "rv_alloc.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

enum rv_code rv_mkdirs(const char *path, mode_t mode, struct rv_err *err)
{
	char *p = rv_xstrdup(path);
	enum rv_code rc = RV_OK;

	for (char *s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = rv_errf(err, RV_ERR_IO, "cannot create '%s': %s",
				     p, strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}
