int main(void) {
    /* this comment never ends
    return 0;
}
