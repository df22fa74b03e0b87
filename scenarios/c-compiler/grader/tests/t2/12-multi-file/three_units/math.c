extern int calls;
double square(double x) { calls++; return x * x; }
