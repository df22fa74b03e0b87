int printf(const char *fmt, ...);

struct date { unsigned day : 5, month : 4, year : 12; };

int days_in(const struct date *d) {
    static const unsigned char len[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (d->year % 4 == 0 && d->year % 100 != 0) || d->year % 400 == 0;
    return len[d->month] + (d->month == 2 && leap);
}

void next_day(struct date *d) {
    if (d->day < days_in(d)) d->day++;
    else { d->day = 1; if (d->month == 12) { d->month = 1; d->year++; } else d->month++; }
}

int main(void) {
    struct date d = {27, 2, 2024};
    for (int i = 0; i < 5; i++) {
        printf("%04u-%02u-%02u\n", d.year, d.month, d.day);
        next_day(&d);
    }
    struct date e = {31, 12, 1999};
    struct date copy = e;      /* struct assignment copies the bit-fields */
    next_day(&copy);
    printf("%u-%u-%u %u %d\n", copy.year, copy.month, copy.day, e.day, (int)sizeof e);
    return 0;
}
