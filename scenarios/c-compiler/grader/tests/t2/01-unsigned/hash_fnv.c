int printf(const char *fmt, ...);

unsigned int fnv1a(const char *s) {
    unsigned int h = 2166136261u;
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 16777619u;
    }
    return h;
}

int main(void) {
    const char *words[] = {"", "a", "hello", "compiler", "The quick brown fox"};
    for (int i = 0; i < 5; i++)
        printf("%u %x\n", fnv1a(words[i]), fnv1a(words[i]));
    return 0;
}
