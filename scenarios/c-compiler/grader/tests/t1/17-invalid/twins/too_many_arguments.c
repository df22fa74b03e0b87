int one(int a) {
    return a;
}
int main(void) {
    return one(16);
}
