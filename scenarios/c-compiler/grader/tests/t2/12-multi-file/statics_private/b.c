static int count;
static int helper(void) { return count += 10; }
int from_b(void) { helper(); return helper(); }
int b_count(void) { return count; }
