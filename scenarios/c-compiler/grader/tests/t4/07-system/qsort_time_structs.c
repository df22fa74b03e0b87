#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int by_time(const void *a, const void *b) {
    time_t x = *(const time_t *)a, y = *(const time_t *)b;
    return (x > y) - (x < y);
}

int main(void) {
    time_t stamps[5] = {1700000000, 946684800, 1234567890, 0, 2000000000};
    qsort(stamps, 5, sizeof stamps[0], by_time);
    for (int i = 0; i < 5; i++) {
        struct tm tm;
        gmtime_r(&stamps[i], &tm);
        char buf[32];
        strftime(buf, sizeof buf, "%Y-%m-%d %a", &tm);
        printf("%10ld %s\n", (long)stamps[i], buf);
    }
    struct tm t = {0};
    t.tm_year = 2024 - 1900;
    t.tm_mon = 1;
    t.tm_mday = 29;
    t.tm_hour = 12;
    printf("%ld\n", (long)timegm(&t));
    return 0;
}
