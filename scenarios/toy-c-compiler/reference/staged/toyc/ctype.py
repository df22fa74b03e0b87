"""C types of the toy compiler: void, char, short, int, long, pointers,
arrays, structs/unions and function types."""

from __future__ import annotations


#@ 14
class Member:
    def __init__(self, name: str, ty: Type, offset: int):
        self.name, self.ty, self.offset = name, ty, offset


#@ end
class Type:
    def __init__(self, kind: str, size: int = 0, align: int = 1, base: Type | None = None):
        self.kind = kind  # void char short int long ptr array struct func
        self.size = size
        self.align = align
        self.base = base  # pointee / element type
        #@ 9
        self.length = 0  # arrays (-1: unknown length, e.g. `int a[] = {...}`)
        #@ end
        #@ 14
        self.members: list[Member] | None = None  # structs; None while incomplete
        self.tag: str | None = None
        self.is_union = False
        #@ end
        self.ret: Type | None = None  # functions
        self.params: list[Type] | None = None  # None: unspecified, `int f()`
        self.variadic = False

    def __repr__(self) -> str:
        #@ 9
        if self.kind == "ptr":
            return f"{self.base!r}*"
        if self.kind == "array":
            return f"{self.base!r}[{self.length}]"
        #@ end
        #@ 14
        if self.kind == "struct":
            return f"{'union' if self.is_union else 'struct'} {self.tag or '<anon>'}"
        #@ end
        if self.kind == "func":
            return f"{self.ret!r}(...)"
        return self.kind

    # ---- predicates
    def is_integer(self) -> bool:
        return self.kind in ("char", "short", "int", "long")

    def is_pointer(self) -> bool:  # pointers and arrays (which decay)
        return self.kind in ("ptr", "array")

    def is_scalar(self) -> bool:
        return self.is_integer() or self.is_pointer() or self.kind == "func"
#@ 14

    def find_member(self, name: str) -> Member | None:
        for m in self.members or []:
            if m.name == name:
                return m
        return None
#@ end


VOID = Type("void", 1, 1)
#@ 9
CHAR = Type("char", 1, 1)
#@ end
#@ 16
SHORT = Type("short", 2, 2)
#@ end
INT = Type("int", 4, 4)
LONG = Type("long", 8, 8)


#@ 9
def pointer_to(base: Type) -> Type:
    return Type("ptr", 8, 8, base)


def array_of(base: Type, length: int) -> Type:
    t = Type("array", base.size * max(length, 0), base.align, base)
    t.length = length
    return t


#@ end
def func_type(ret: Type, params: list[Type] | None, variadic: bool) -> Type:
    t = Type("func", 1, 1)
    t.ret, t.params, t.variadic = ret, params, variadic
    return t


#@ 5
def align_to(n: int, a: int) -> int:
    return (n + a - 1) // a * a


#@ end
#@ 14
def layout_struct(ty: Type, members: list[tuple[str, Type]], is_union: bool) -> None:
    offset, align, out = 0, 1, []
    for name, mty in members:
        if is_union:
            out.append(Member(name, mty, 0))
            offset = max(offset, mty.size)
        else:
            offset = align_to(offset, mty.align)
            out.append(Member(name, mty, offset))
            offset += mty.size
        align = max(align, mty.align)
    ty.members = out
    ty.is_union = is_union
    ty.align = align
    ty.size = align_to(offset, align)


#@ end
def arith_type(a: Type, b: Type) -> Type:
    """Usual arithmetic conversions (signed only): long if either is long."""
    return LONG if LONG in (a, b) or a.size == 8 or b.size == 8 else INT


#@ 5
def compatible_assign(dst: Type, src: Type) -> bool:
    """Can a value of type src be assigned to dst?  Lenient like gcc (which
    only warns for int/pointer mixes) but rejects struct mismatches and void."""
    if src.kind == "void" or dst.kind == "void":
        return False
    #@ 14
    if dst.kind == "struct" or src.kind == "struct":
        return dst is src
    #@ end
    return True
#@ end
