int counter = 10;
int bump(int by) { counter += by; return counter; }
