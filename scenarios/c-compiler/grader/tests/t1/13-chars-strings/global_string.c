char *greeting = "global hi";
char word[] = "array";
int puts(char *s);
int main(void) {
    puts(greeting);
    puts(word);
    return word[0];
}
