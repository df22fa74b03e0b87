int main(void) {
    return -(-(27));
}
