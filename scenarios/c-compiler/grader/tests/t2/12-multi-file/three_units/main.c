int printf(const char *fmt, ...);
double area(int shape, double size);
const char *shape_name(int shape);
extern int calls;
int main(void) {
    for (int s = 0; s < 3; s++) printf("%s %.2f\n", shape_name(s), area(s, 2.0));
    printf("calls %d\n", calls);
    return calls;
}
