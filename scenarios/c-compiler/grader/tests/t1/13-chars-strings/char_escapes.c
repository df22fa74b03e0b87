int main(void) {
    return '\n' + '\t' + '\\' + '\'' + '\0';
}
