/* daytona-lite: a Daytona-compatible sandbox server (placeholder). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "daytona-lite: not built yet\n");
	return 1;
}
