int primes[6] = {2, 3, 5, 7, 11, 13};
int main(void) {
    int p = 1;
    for (int i = 0; i < 4; i++)
        p *= primes[i];
    return p + primes[5];
}
