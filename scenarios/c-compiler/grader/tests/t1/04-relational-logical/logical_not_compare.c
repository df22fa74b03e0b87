int main(void) {
    return !(3 > 2) + !(2 > 3) * 10;
}
