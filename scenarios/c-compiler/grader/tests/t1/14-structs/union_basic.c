union value {
    int i;
    char c;
};
int main(void) {
    union value v;
    v.i = 0;
    v.c = 65;
    return v.i + sizeof(union value);
}
