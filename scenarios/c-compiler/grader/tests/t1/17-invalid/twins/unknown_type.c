struct widget { int size; };
typedef struct widget widget;
int main(void) {
    widget w;
    w.size = 19;
    return w.size;
}
