int printf(char *fmt, ...);
struct person {
    char name[16];
    int age;
};
int main(void) {
    struct person p;
    p.name[0] = 'B';
    p.name[1] = 'o';
    p.name[2] = 'b';
    p.name[3] = 0;
    p.age = 33;
    printf("%s is %d\n", p.name, p.age);
    return p.age;
}
