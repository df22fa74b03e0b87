int printf(char *fmt, ...);
int hanoi(int n, int from, int to, int via) {
    if (n == 0) return 0;
    int moves = hanoi(n - 1, from, via, to);
    printf("%d->%d\n", from, to);
    return moves + 1 + hanoi(n - 1, via, to, from);
}
int main(void) {
    return hanoi(3, 1, 3, 2);
}
