int printf(const char *fmt, ...);
extern int primes[];
extern const char *names[4];
extern int nprimes;
extern char message[];
int main(void) {
    int s = 0;
    for (int i = 0; i < nprimes; i++) s += primes[i];
    printf("%d %s %s %s\n", s, names[0], names[3], message);
    primes[0] = 100;
    return primes[0] + nprimes;
}
