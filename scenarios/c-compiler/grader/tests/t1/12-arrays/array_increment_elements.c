int main(void) {
    int a[3] = {1, 1, 1};
    a[0]++;
    ++a[1];
    a[2] += 5;
    a[a[0]] *= 3;
    return a[0] * 100 + a[1] * 10 + a[2];
}
