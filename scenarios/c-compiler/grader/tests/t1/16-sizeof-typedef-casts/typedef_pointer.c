typedef char *string;
int main(void) {
    string s = "typedef";
    return s[0];
}
