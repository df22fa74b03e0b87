long strlen(char *s);
int main(void) {
    return strlen("twelve chars");
}
