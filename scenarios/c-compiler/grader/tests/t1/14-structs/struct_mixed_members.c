struct rec {
    char tag;
    int value;
    char flag;
    long big;
};
int main(void) {
    struct rec r;
    r.tag = 'x';
    r.value = 1000;
    r.flag = 1;
    r.big = 7000000000;
    return r.tag + r.value / 100 + r.flag + r.big / 1000000000;
}
