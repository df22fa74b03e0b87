"""Lexer: C source text -> list of Tokens."""

from __future__ import annotations

from dataclasses import dataclass


class CompileError(Exception):
    def __init__(self, msg: str, line: int | None = None):
        super().__init__(f"line {line}: {msg}" if line else msg)


@dataclass
class Token:
    kind: str  # 'num' | 'id' | 'kw' | 'str' | 'punct' | 'eof'
    value: object
    line: int
    is_long: bool = False  # integer literal with an L suffix

    def __repr__(self) -> str:
        return f"{self.kind}:{self.value!r}@{self.line}"


KEYWORDS = {
    # stage 01+: basics
    "int",
    "return",
    #@ 6
    # stage 06: if
    "if",
    "else",
    #@ end
    #@ 8
    # stage 08: loops
    "while",
    "for",
    "do",
    "break",
    "continue",
    #@ end
    # stage 09+: types and storage
    "void",
    #@ 9
    "char",
    #@ end
    #@ 5
    "long",
    #@ end
    #@ 16
    "short",
    #@ end
    #@ 10
    "static",
    "extern",
    #@ end
    #@ 16
    "const",
    "signed",
    #@ end
    #@ 17
    "unsigned",
    #@ end
    #@ 14
    # stage 14-16: structs, switch, sizeof/typedef/enum
    "struct",
    "union",
    #@ end
    #@ 15
    "switch",
    "case",
    "default",
    #@ end
    #@ 16
    "sizeof",
    "typedef",
    "enum",
    #@ end
    #@ 17
    "goto",
    "volatile",
    "register",
    "auto",
    "inline",
    "float",
    "double",
    #@ end
}

# Longest first so that e.g. '<<=' wins over '<<' and '<'.
PUNCTUATORS = sorted(
    [
        #@ 5
        "<<=",
        ">>=",
        #@ end
        #@ 9
        "...",
        #@ end
        #@ 14
        "->",
        #@ end
        #@ 5
        "++",
        "--",
        #@ end
        #@ 3
        "<<",
        ">>",
        #@ end
        #@ 4
        "<=",
        ">=",
        "==",
        "!=",
        "&&",
        "||",
        #@ end
        #@ 5
        "+=",
        "-=",
        "*=",
        "/=",
        "%=",
        "&=",
        "|=",
        "^=",
        #@ end
        #@ 2
        "+",
        "-",
        #@ end
        #@ 3
        "*",
        "/",
        "%",
        "&",
        "|",
        "^",
        #@ end
        #@ 2
        "~",
        "!",
        #@ end
        #@ 4
        "<",
        ">",
        #@ end
        #@ 5
        "=",
        #@ end
        #@ 6
        "?",
        ":",
        #@ end
        ";",
        #@ 5
        ",",
        #@ end
        #@ 14
        ".",
        #@ end
        "(",
        ")",
        #@ 11
        "[",
        "]",
        #@ end
        "{",
        "}",
    ],
    key=len,
    reverse=True,
)

#@ 9
ESCAPES = {
    "n": 10,
    "t": 9,
    "r": 13,
    "0": 0,
    "\\": 92,
    "'": 39,
    '"': 34,
    #@ 13
    "a": 7,
    #@ end
    #@ 13
    "b": 8,
    #@ end
    #@ 13
    "f": 12,
    #@ end
    #@ 13
    "v": 11,
    #@ end
    #@ 13
    "e": 27,
    #@ end
    #@ 13
    "?": 63,
    #@ end
}


def _read_escape(src: str, i: int, line: int) -> tuple[int, int]:
    """src[i] is the char after a backslash; return (value, next index)."""
    c = src[i] if i < len(src) else ""
    #@ 13
    if c == "x":
        j = i + 1
        while j < len(src) and src[j] in "0123456789abcdefABCDEF":
            j += 1
        if j == i + 1:
            raise CompileError("invalid hex escape", line)
        return int(src[i + 1 : j], 16) & 0xFF, j
    if c in "01234567":
        j = i
        while j < len(src) and j < i + 3 and src[j] in "01234567":
            j += 1
        return int(src[i:j], 8) & 0xFF, j
    #@ end
    if c in ESCAPES:
        return ESCAPES[c], i + 1
    raise CompileError(f"unknown escape sequence \\{c}", line)


#@ end
def tokenize(src: str) -> list[Token]:
    toks: list[Token] = []
    i, line, n = 0, 1, len(src)
    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r\f\v":
            i += 1
        elif src.startswith("//", i):
            while i < n and src[i] != "\n":
                i += 1
        elif src.startswith("/*", i):
            end = src.find("*/", i + 2)
            if end < 0:
                raise CompileError("unterminated comment", line)
            line += src.count("\n", i, end)
            i = end + 2
        #@ 17
        elif c == "#":
            raise CompileError("preprocessor directives are not supported", line)
        #@ end
        elif c.isdigit():
            j = i
            if src.startswith(("0x", "0X"), i):
                j = i + 2
                while j < n and src[j] in "0123456789abcdefABCDEF":
                    j += 1
                value = int(src[i + 2 : j], 16)
            else:
                while j < n and src[j].isdigit():
                    j += 1
                text = src[i:j]
                if len(text) > 1 and text[0] == "0":
                    if any(d in "89" for d in text):
                        raise CompileError(f"invalid digit in octal constant {text}", line)
                    value = int(text, 8)
                else:
                    value = int(text)
            #@ 16
            suffix_start = j
            while j < n and src[j] in "lLuU":
                j += 1
            #@ end
            #@ 17
            if j < n and (src[j].isalnum() or src[j] == "_" or src[j] == "."):
                raise CompileError("invalid number literal", line)
            #@ end
            #@ 1-15
            toks.append(Token("num", value, line))
            #@ end
            #@ 16
            toks.append(Token("num", value, line, is_long="l" in src[suffix_start:j].lower()))
            #@ end
            i = j
        elif c.isalpha() or c == "_":
            j = i
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            word = src[i:j]
            toks.append(Token("kw" if word in KEYWORDS else "id", word, line))
            i = j
        #@ 9
        elif c == "'":
            i += 1
            if i >= n or src[i] in "'\n":
                raise CompileError("empty or unterminated character literal", line)
            if src[i] == "\\":
                value, i = _read_escape(src, i + 1, line)
            else:
                value, i = ord(src[i]), i + 1
            if i >= n or src[i] != "'":
                raise CompileError("unterminated character literal", line)
            i += 1
            #@ 13
            if value > 127:
                value -= 256  # plain char is signed
            #@ end
            toks.append(Token("num", value, line))
        elif c == '"':
            i += 1
            data = bytearray()
            while True:
                if i >= n or src[i] == "\n":
                    raise CompileError("unterminated string literal", line)
                if src[i] == '"':
                    i += 1
                    break
                if src[i] == "\\":
                    value, i = _read_escape(src, i + 1, line)
                    data.append(value)
                else:
                    data.extend(src[i].encode("utf-8"))
                    i += 1
            #@ 9-12
            toks.append(Token("str", bytes(data), line))
            #@ end
            #@ 13
            # Adjacent string literals are concatenated.
            if toks and toks[-1].kind == "str":
                toks[-1].value = toks[-1].value + bytes(data)
            else:
                toks.append(Token("str", bytes(data), line))
            #@ end
        #@ end
        else:
            for p in PUNCTUATORS:
                if src.startswith(p, i):
                    toks.append(Token("punct", p, line))
                    i += len(p)
                    break
            else:
                raise CompileError(f"unexpected character {c!r}", line)
    toks.append(Token("eof", None, line))
    return toks
