#include <limits.h>
#include <stdio.h>
#include <string.h>

#define BITS_PER_WORD (sizeof(unsigned long) * CHAR_BIT)
#define BITSET(name, n) unsigned long name[((n) + BITS_PER_WORD - 1) / BITS_PER_WORD]
#define BIT_SET(s, i) ((s)[(i) / BITS_PER_WORD] |= 1UL << ((i) % BITS_PER_WORD))
#define BIT_TEST(s, i) (((s)[(i) / BITS_PER_WORD] >> ((i) % BITS_PER_WORD)) & 1UL)

int main(void) {
    BITSET(composite, 200);
    memset(composite, 0, sizeof composite);
    for (unsigned i = 2; i * i < 200; i++)
        if (!BIT_TEST(composite, i))
            for (unsigned j = i * i; j < 200; j += i) BIT_SET(composite, j);
    int count = 0;
    for (unsigned i = 2; i < 200; i++)
        if (!BIT_TEST(composite, i)) { count++; if (i > 180) printf("%u ", i); }
    printf("\n%d primes, %zu words\n", count, sizeof composite / sizeof composite[0]);
    return count;
}
