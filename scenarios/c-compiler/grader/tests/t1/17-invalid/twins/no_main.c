int not_main(void) {
    return 6;
}
int main(void) {
    return not_main() + 1;
}
