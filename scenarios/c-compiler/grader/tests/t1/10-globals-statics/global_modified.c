int counter = 0;
void bump(void) {
    counter = counter + 1;
}
int main(void) {
    bump();
    bump();
    bump();
    return counter;
}
