int next_a(void) { static int n; return n += 2; }
