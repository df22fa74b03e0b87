int main(void) {
    char buf[] = "abc";
    buf[1] = 'X';
    return buf[0] + buf[1] + buf[2] + buf[3] + sizeof(buf);
}
