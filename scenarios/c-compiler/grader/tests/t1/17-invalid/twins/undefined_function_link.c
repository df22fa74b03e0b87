int helper(int x);
int main(void) {
    return helper(3);
}
int helper(int x) {
    return x * 6;
}
