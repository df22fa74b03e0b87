int primes[] = {2, 3, 5, 7, 11, 13};
int nprimes = sizeof primes / sizeof primes[0];
const char *names[4] = {"w", "x", "y", "z"};
char message[] = "shared";
