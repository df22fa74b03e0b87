int main(void) {
    return (((61)));
}
