void *malloc(long n);
struct tree {
    int key;
    struct tree *left;
    struct tree *right;
};
struct tree *insert(struct tree *t, int key) {
    if (t == 0) {
        t = malloc(sizeof(struct tree));
        t->key = key;
        t->left = 0;
        t->right = 0;
        return t;
    }
    if (key < t->key) t->left = insert(t->left, key);
    else t->right = insert(t->right, key);
    return t;
}
int height(struct tree *t) {
    if (t == 0) return 0;
    int l = height(t->left);
    int r = height(t->right);
    return 1 + (l > r ? l : r);
}
int sum(struct tree *t) {
    if (t == 0) return 0;
    return t->key + sum(t->left) + sum(t->right);
}
int main(void) {
    struct tree *root = 0;
    int keys[] = {50, 30, 70, 20, 40, 60, 80, 35};
    for (int i = 0; i < 8; i++)
        root = insert(root, keys[i]);
    return height(root) * 50 + sum(root) % 50;
}
