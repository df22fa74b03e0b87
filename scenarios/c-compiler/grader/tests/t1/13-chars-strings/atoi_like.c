int parse(char *s) {
    int sign = 1;
    int v = 0;
    if (*s == '-') {
        sign = -1;
        s++;
    }
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s - '0');
        s++;
    }
    return sign * v;
}
int main(void) {
    return parse("-123") + parse("200");
}
