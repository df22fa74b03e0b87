void *malloc(long n);
void free(void *p);
int main(void) {
    int *p = malloc(4 * 8);
    for (int i = 0; i < 8; i++)
        p[i] = i + 1;
    int s = 0;
    for (int i = 0; i < 8; i++)
        s += p[i];
    free(p);
    return s;
}
