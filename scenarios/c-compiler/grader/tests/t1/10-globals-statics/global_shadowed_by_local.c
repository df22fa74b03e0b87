int x = 10;
int main(void) {
    int x = 3;
    return x;
}
