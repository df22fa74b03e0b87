int printf(const char *fmt, ...);

struct stats { unsigned lines, words, chars; unsigned long long checksum; unsigned char longest; };

struct stats analyse(const char *text) {
    struct stats s = {0};
    int in_word = 0;
    unsigned char cur = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        s.chars++;
        s.checksum = s.checksum * 131 + *p;
        if (*p == '\n') s.lines++;
        int space = *p == ' ' || *p == '\n' || *p == '\t';
        if (!space && !in_word) { s.words++; cur = 0; }
        if (!space) { cur++; if (cur > s.longest) s.longest = cur; }
        in_word = !space;
    }
    return s;
}

int main(void) {
    struct stats s = analyse("It was the best of times,\nit was the worst of times,\n"
                             "it was the age of wisdom,\tit was the age of foolishness\n");
    printf("%u %u %u %llu %u\n", s.lines, s.words, s.chars, s.checksum, s.longest);
    return s.words;
}
