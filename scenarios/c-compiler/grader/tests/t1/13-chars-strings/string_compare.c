int my_strcmp(char *a, char *b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a - *b;
}
int main(void) {
    return (my_strcmp("apple", "apple") == 0) + (my_strcmp("apple", "apply") < 0) * 2 + (my_strcmp("b", "a") > 0) * 4;
}
