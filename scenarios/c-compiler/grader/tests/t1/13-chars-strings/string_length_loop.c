int main(void) {
    char *s = "a somewhat longer string";
    int n = 0;
    while (s[n]) n++;
    return n;
}
