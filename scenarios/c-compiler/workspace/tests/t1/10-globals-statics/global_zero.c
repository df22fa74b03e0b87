int z;
int inc(void) {
    z = z + 2;
    return z;
}
int main(void) {
    inc();
    return inc();
}
