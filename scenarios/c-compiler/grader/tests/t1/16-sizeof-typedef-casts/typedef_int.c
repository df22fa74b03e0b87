typedef int number;
int main(void) {
    number a = 3;
    number b = 4;
    return a * b;
}
