#include <stdio.h>
#include "log.h"
int main(void) {
    LOG_ERROR("disk %d is full", 3);
    LOG_WARN("%s", "low memory");
    LOG_INFO("started %d workers", 4);
    LOG_DEBUG("never at level 2");
    printf("level %d, %d messages\n", LOG_LEVEL, log_count);
    return log_count;
}
