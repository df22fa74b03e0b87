char letter = 'Z';
int main(void) {
    letter = letter - 25;
    return letter;
}
