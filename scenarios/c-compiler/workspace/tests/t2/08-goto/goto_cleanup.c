int printf(const char *fmt, ...);
void *malloc(unsigned long n);
void free(void *p);

int work(int fail_at) {
    int rc = -1;
    char *a = malloc(16);
    if (!a) goto out;
    if (fail_at == 1) goto free_a;
    char *b = malloc(32);
    if (!b) goto free_a;
    if (fail_at == 2) goto free_b;
    rc = 0;
    printf("all steps done\n");
free_b:
    free(b);
    printf("freed b\n");
free_a:
    free(a);
    printf("freed a\n");
out:
    return rc;
}

int main(void) {
    printf("%d\n", work(1));
    printf("%d\n", work(2));
    printf("%d\n", work(0));
    return 0;
}
