#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *p;
static int depth;

static void indent(void) { for (int i = 0; i < depth; i++) fputs("  ", stdout); }
static void skip(void) { while (isspace((unsigned char)*p)) p++; }
static void value(void);

static void string(void) {
    putchar(*p++);
    while (*p != '"') { if (*p == '\\') putchar(*p++); putchar(*p++); }
    putchar(*p++);
}

static void container(char open, char close) {
    putchar(open);
    p++;
    skip();
    if (*p == close) { putchar(close); p++; return; }
    depth++;
    for (;;) {
        putchar('\n');
        indent();
        skip();
        if (open == '{') { string(); skip(); p++; fputs(": ", stdout); skip(); }
        value();
        skip();
        if (*p == ',') { putchar(','); p++; continue; }
        break;
    }
    depth--;
    putchar('\n');
    indent();
    putchar(close);
    p++;
}

static void value(void) {
    skip();
    if (*p == '{') container('{', '}');
    else if (*p == '[') container('[', ']');
    else if (*p == '"') string();
    else while (*p && !strchr(",]} \n", *p)) putchar(*p++);
}

int main(void) {
    p = "{\"name\":\"ultrarun\",\"tiers\":[1,2,3,{\"real\":true}],\"empty\":{},"
        "\"nested\":{\"a\":[],\"b\":\"x\\\"y\"},\"pi\":3.14}";
    value();
    putchar('\n');
    return depth;
}
