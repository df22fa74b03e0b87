int printf(const char *fmt, ...);

int main(void) {
    int i = 0, sum = 0;
again:
    sum += i;
    i++;
    if (i < 10) goto again;
    printf("%d\n", sum);
    goto skip;
    printf("never\n");
skip:
    return sum % 50;
}
