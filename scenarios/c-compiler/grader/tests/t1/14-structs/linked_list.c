void *malloc(long n);
struct node {
    int value;
    struct node *next;
};
int main(void) {
    struct node *head = 0;
    for (int i = 1; i <= 5; i++) {
        struct node *n = malloc(sizeof(struct node));
        n->value = i;
        n->next = head;
        head = n;
    }
    int s = 0;
    int w = 1;
    for (struct node *p = head; p; p = p->next) {
        s += p->value * w;
        w++;
    }
    return s;
}
