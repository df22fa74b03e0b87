int printf(const char *fmt, ...);

int attempts;

int flaky(int n) { attempts++; return n % 3 == 0; }

int main(void) {
    int ok = 0, n = 1;
retry:
    if (!flaky(n)) {
        n++;
        if (n < 20) goto retry;
        goto give_up;
    }
    ok = 1;
give_up:
    printf("ok=%d n=%d attempts=%d\n", ok, n, attempts);
    return attempts;
}
