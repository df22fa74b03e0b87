int printf(const char *fmt, ...);

typedef struct { double time; int kind; unsigned id; } event;

event heap[64];
int heap_n;

void swap(event *a, event *b) { event t = *a; *a = *b; *b = t; }

void push(event e) {
    int i = heap_n++;
    heap[i] = e;
    while (i && heap[(i - 1) / 2].time > heap[i].time) {
        swap(&heap[i], &heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
}

event pop(void) {
    event top = heap[0];
    heap[0] = heap[--heap_n];
    for (int i = 0;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_n && heap[l].time < heap[m].time) m = l;
        if (r < heap_n && heap[r].time < heap[m].time) m = r;
        if (m == i) break;
        swap(&heap[i], &heap[m]);
        i = m;
    }
    return top;
}

int main(void) {
    unsigned seed = 12345;
    for (unsigned id = 0; id < 12; id++) {
        seed = seed * 1103515245u + 12345u;
        push((event){(seed >> 16) % 1000 / 10.0, (int)(id % 3), id});
    }
    double last = -1;
    int ordered = 1;
    while (heap_n) {
        event e = pop();
        ordered &= e.time >= last;
        last = e.time;
        printf("t=%5.1f kind=%d id=%u\n", e.time, e.kind, e.id);
    }
    return ordered;
}
