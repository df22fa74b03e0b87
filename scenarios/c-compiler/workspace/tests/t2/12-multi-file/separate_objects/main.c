int printf(const char *fmt, ...);
struct stack;
struct stack *stack_new(void);
void stack_push(struct stack *s, int v);
int stack_pop(struct stack *s);
int stack_size(const struct stack *s);
int main(void) {
    struct stack *s = stack_new();
    for (int i = 1; i <= 5; i++) stack_push(s, i * i);
    printf("%d\n", stack_size(s));
    int a = stack_pop(s), b = stack_pop(s);
    printf("%d %d %d\n", a, b, stack_size(s));
    return a - b;
}
