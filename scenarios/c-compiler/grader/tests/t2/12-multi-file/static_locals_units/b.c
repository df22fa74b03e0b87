int next_b(void) { static int n = 50; return n--; }
