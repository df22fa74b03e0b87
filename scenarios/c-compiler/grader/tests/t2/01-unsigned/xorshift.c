int printf(const char *fmt, ...);

unsigned long state = 88172645463325252ul;

unsigned long next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

int main(void) {
    unsigned long acc = 0;
    for (int i = 0; i < 1000; i++) acc += next() % 1000;
    printf("%lu\n", acc);
    for (int i = 0; i < 5; i++) printf("%lu\n", next());
    unsigned int hist[8] = {0};
    for (int i = 0; i < 8000; i++) hist[next() >> 61]++;
    for (int i = 0; i < 8; i++) printf("%u ", hist[i]);
    printf("\n");
    return 0;
}
