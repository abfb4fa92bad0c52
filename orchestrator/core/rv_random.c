#include "rv_random.h"

#include "rv_err.h"

#include <errno.h>
#include <stdio.h>
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

void rv_random_uuid(char *buf)
{
	unsigned char b[16];

	rv_random(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(buf, RV_UUID_LEN + 1, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
		 b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}
