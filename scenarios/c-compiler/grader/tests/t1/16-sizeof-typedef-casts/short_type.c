int main(void) {
    short s = 30000;
    short t = 3000;
    int sum = s + t;
    return sum / 1000 + sizeof(short);
}
