void *malloc(long n);
int main(void) {
    void *raw = malloc(16);
    int *ip = (int *)raw;
    char *cp = (char *)raw;
    ip[0] = 0;
    cp[0] = 5;
    cp[1] = 1;
    return ip[0] % 256 + ip[0] / 256;
}
