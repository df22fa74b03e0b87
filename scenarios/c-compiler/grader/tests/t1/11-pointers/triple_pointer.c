int main(void) {
    int v = 1;
    int *p = &v;
    int **pp = &p;
    int ***ppp = &pp;
    ***ppp = 99;
    return v;
}
