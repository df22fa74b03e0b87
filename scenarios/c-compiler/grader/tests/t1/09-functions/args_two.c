int sub(int a, int b) {
    return a - b;
}
int main(void) {
    return sub(50, 8);
}
