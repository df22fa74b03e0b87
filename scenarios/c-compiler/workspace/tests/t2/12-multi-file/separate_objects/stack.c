void *malloc(unsigned long n);
struct stack { int items[64]; int n; };
struct stack *stack_new(void) { struct stack *s = malloc(sizeof *s); s->n = 0; return s; }
void stack_push(struct stack *s, int v) { s->items[s->n++] = v; }
int stack_pop(struct stack *s) { return s->items[--s->n]; }
int stack_size(const struct stack *s) { return s->n; }
