int printf(char *fmt, ...);
void *malloc(long n);
typedef struct node {
    int v;
    struct node *next;
} node;
node *push(node *head, int v) {
    node *n = malloc(sizeof(node));
    n->v = v;
    n->next = head;
    return n;
}
node *reverse(node *head) {
    node *prev = 0;
    while (head) {
        node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}
void print(node *n) {
    while (n) {
        printf("%d", n->v);
        if (n->next) printf(" -> ");
        n = n->next;
    }
    printf("\n");
}
int main(void) {
    node *list = 0;
    for (int i = 1; i <= 6; i++)
        list = push(list, i * i);
    print(list);
    list = reverse(list);
    print(list);
    return list->v + list->next->v;
}
