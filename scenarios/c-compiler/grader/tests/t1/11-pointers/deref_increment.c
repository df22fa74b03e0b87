int main(void) {
    int v = 5;
    int *p = &v;
    (*p)++;
    ++*p;
    *p += 3;
    return v;
}
