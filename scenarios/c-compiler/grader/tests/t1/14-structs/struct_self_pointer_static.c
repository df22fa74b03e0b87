struct node {
    int v;
    struct node *next;
};
int main(void) {
    struct node a;
    struct node b;
    struct node c;
    a.v = 1; a.next = &b;
    b.v = 2; b.next = &c;
    c.v = 3; c.next = 0;
    return a.next->next->v * 10 + a.next->v;
}
