int printf(const char *fmt, ...);

typedef struct { const char *name; int age; double score; } person;

person people[] = {
    {"ann", 31, 88.5},
    {"bob", 25},
    [3] = {.name = "dan", .score = 70.25},
    {"eve", 40, 91.0},
};

int main(void) {
    int n = sizeof people / sizeof people[0];
    printf("%d\n", n);
    for (int i = 0; i < n; i++)
        printf("%s %d %.2f\n", people[i].name ? people[i].name : "(none)", people[i].age,
               people[i].score);
    return n;
}
