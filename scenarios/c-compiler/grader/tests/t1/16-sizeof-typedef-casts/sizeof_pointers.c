int main(void) {
    return sizeof(int *) + sizeof(char *) + sizeof(long **);
}
