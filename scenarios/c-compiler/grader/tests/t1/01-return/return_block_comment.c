/* block
   comment */
int main(/* nothing */ void) {
    /* still nothing */ return /* here */ 44;
}
