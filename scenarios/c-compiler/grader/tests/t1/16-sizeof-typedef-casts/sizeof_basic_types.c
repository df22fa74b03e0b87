int main(void) {
    return sizeof(char) + sizeof(int) * 10 + sizeof(long) * 100 - 800 + sizeof(short);
}
