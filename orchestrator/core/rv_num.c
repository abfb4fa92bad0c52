#include "rv_num.h"

#include <stdbool.h>
#include <stdlib.h>

double rv_strtod(const char *s, char **end)
{
	const char *p = s + (*s == '+' || *s == '-');
	bool digit = *p >= '0' && *p <= '9';

	/* "0x...": strtod's hexadecimal; ".5" and "5." are decimal */
	if ((!digit && *p != '.') ||
	    (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))) {
		*end = (char *)s;
		return 0;
	}
	return strtod(s, end);
}
