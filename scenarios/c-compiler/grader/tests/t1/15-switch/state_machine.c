int main(void) {
    char *input = "aabbbcaab";
    int state = 0;
    int transitions = 0;
    for (int i = 0; input[i]; i++) {
        int prev = state;
        switch (state) {
        case 0:
            if (input[i] == 'b') state = 1;
            break;
        case 1:
            if (input[i] == 'c') state = 2;
            else if (input[i] == 'a') state = 0;
            break;
        case 2:
            state = 0;
            break;
        }
        if (state != prev) transitions++;
    }
    return transitions * 10 + state;
}
