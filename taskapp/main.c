/* taskapp: the reference task app (placeholder until the server lands). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "taskapp: not built yet\n");
	return 1;
}
