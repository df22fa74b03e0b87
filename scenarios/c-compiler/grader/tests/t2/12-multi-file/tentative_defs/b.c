extern int shared;
void set_from_b(int v) { shared += v; }
