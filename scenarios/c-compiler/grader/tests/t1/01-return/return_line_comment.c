// a leading comment
int main(void) {
    return 33; // trailing comment
}
