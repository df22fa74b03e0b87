#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <fcntl.h>

int main(void) {
    printf("%d %d\n", FLT_DIG, DBL_MANT_DIG);
    printf("%d\n", (int)sizeof(jmp_buf) > 0);
    printf("%d %d\n", EOF, BUFSIZ > 0);
    return STDOUT_FILENO;
}
