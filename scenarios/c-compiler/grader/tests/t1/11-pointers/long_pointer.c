int main(void) {
    long big = 123456789012;
    long *p = &big;
    *p = *p / 1000000000;
    return big;
}
