int printf(char *fmt, ...);
int main(void) {
    char sieve[50];
    for (int i = 0; i < 50; i++) sieve[i] = 1;
    int count = 0;
    for (int i = 2; i < 50; i++) {
        if (!sieve[i]) continue;
        printf("%d ", i);
        count++;
        for (int j = i * 2; j < 50; j += i) sieve[j] = 0;
    }
    printf("\n");
    return count;
}
