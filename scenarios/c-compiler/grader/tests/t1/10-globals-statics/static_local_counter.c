int next(void) {
    static int n = 0;
    n++;
    return n;
}
int main(void) {
    next();
    next();
    next();
    return next();
}
