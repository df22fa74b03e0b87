int get(void);
int main(void) {
    return get();
}
int value = 88;
int get(void) {
    return value;
}
