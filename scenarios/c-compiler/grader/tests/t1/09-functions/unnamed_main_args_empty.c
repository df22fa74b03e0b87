int value() {
    return 15;
}
int main() {
    return value() + value();
}
