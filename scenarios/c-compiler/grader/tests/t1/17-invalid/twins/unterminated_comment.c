int main(void) {
    /* this comment ends */
    return 20;
}
