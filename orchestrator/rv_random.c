#include "rv_random.h"

#include "rv_err.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

void rv_random(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			rv_bug("getrandom failed: %s", strerror(errno));
		p += r;
		n -= (size_t)r;
	}
}
