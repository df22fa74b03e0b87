int main(void) {
    int x = 3;
    int *p = &x;
    int **pp = &p;
    **pp = 30;
    return x + **pp;
}
