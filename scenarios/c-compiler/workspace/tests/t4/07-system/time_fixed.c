#include <stdio.h>
#include <string.h>
#include <time.h>

int main(void) {
    time_t t = 1700000000;          /* a fixed instant: the output never depends on "now" */
    struct tm tm;
    gmtime_r(&t, &tm);
    printf("%d-%02d-%02d %02d:%02d:%02d wday=%d yday=%d\n", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday, tm.tm_yday);
    char buf[64];
    strftime(buf, sizeof buf, "%Y/%m/%d %H:%M %A %B", &tm);
    printf("%s\n", buf);
    tm.tm_mday += 40;
    time_t later = timegm(&tm);
    printf("%ld %d-%02d\n", (long)(later - t), tm.tm_year + 1900, tm.tm_mon + 1);
    printf("%.0f\n", difftime(later, t));
    return 0;
}
