int printf(const char *fmt, ...);

/* numbers as little-endian arrays of 32-bit limbs */
typedef struct { unsigned int d[40]; int n; } big;

void set(big *a, unsigned int v) { a->d[0] = v; a->n = 1; }

void mul_small(big *a, unsigned int m) {
    unsigned long carry = 0;
    for (int i = 0; i < a->n; i++) {
        unsigned long t = (unsigned long)a->d[i] * m + carry;
        a->d[i] = (unsigned int)t;
        carry = t >> 32;
    }
    if (carry) a->d[a->n++] = (unsigned int)carry;
}

unsigned int div_small(big *a, unsigned int m) {
    unsigned long rem = 0;
    for (int i = a->n - 1; i >= 0; i--) {
        unsigned long cur = (rem << 32) | a->d[i];
        a->d[i] = (unsigned int)(cur / m);
        rem = cur % m;
    }
    while (a->n > 1 && a->d[a->n - 1] == 0) a->n--;
    return (unsigned int)rem;
}

void print(big a) {
    char digits[400];
    int k = 0;
    do digits[k++] = '0' + div_small(&a, 10); while (a.n > 1 || a.d[0]);
    while (k) printf("%c", digits[--k]);
    printf("\n");
}

int main(void) {
    big f;
    set(&f, 1);
    for (unsigned i = 2; i <= 50; i++) mul_small(&f, i);
    print(f);
    big p;
    set(&p, 1);
    for (int i = 0; i < 200; i++) mul_small(&p, 2);
    print(p);
    return f.n;
}
