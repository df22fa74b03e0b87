int counter;
void nothing(void) {
    counter = counter + 23;
}
int main(void) {
    nothing();
    int x = counter;
    return x;
}
