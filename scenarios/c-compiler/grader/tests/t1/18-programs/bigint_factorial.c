int printf(char *fmt, ...);
int digits[100];
int main(void) {
    int n = 1;
    digits[0] = 1;
    for (int k = 2; k <= 30; k++) {
        int carry = 0;
        for (int i = 0; i < n; i++) {
            int v = digits[i] * k + carry;
            digits[i] = v % 10;
            carry = v / 10;
        }
        while (carry) {
            digits[n++] = carry % 10;
            carry /= 10;
        }
    }
    printf("30! = ");
    for (int i = n - 1; i >= 0; i--)
        printf("%d", digits[i]);
    printf("\n");
    return n;
}
