typedef int myint;
int main(void) {
    myint x = 6;
    return x * 7;
}
