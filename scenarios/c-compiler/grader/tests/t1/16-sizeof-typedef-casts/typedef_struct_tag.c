typedef struct node Node;
struct node {
    int v;
    Node *next;
};
int main(void) {
    Node a;
    Node b;
    a.v = 4;
    a.next = &b;
    b.v = 6;
    b.next = 0;
    return a.v + a.next->v;
}
