int main(void) {
    int x = -5;
    int s1 = x > 0 ? 1 : x < 0 ? -1 : 0;
    x = 0;
    int s2 = x > 0 ? 1 : x < 0 ? -1 : 0;
    x = 9;
    int s3 = x > 0 ? 1 : x < 0 ? -1 : 0;
    return (s1 + 1) * 100 + (s2 + 1) * 10 + s3;
}
