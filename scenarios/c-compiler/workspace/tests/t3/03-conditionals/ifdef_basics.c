int printf(const char *fmt, ...);

#define FEATURE_A
#define LEVEL 3

int main(void) {
#ifdef FEATURE_A
    printf("A on\n");
#else
    printf("A off\n");
#endif
#ifndef FEATURE_B
    printf("B off\n");
#endif
#if LEVEL > 2
    printf("level high\n");
#elif LEVEL > 0
    printf("level low\n");
#else
    printf("level zero\n");
#endif
    return LEVEL;
}
