#define OTHER_VALUE 9
