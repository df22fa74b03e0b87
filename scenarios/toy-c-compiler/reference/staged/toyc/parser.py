"""Parser: tokens -> typed AST, with the semantic checks of the toy C subset.

Feature map (matching the scenario stages):
  expressions ............ _expr .. _primary (stages 01-05)
  statements ............. _stmt (if/ternary 06, blocks 07, loops 08, switch 15)
  functions / calls ...... _function, _call (09)
  globals / statics ...... _global_decl, _global_init (10)
  pointers / arrays ...... _new_add/_new_sub, _declarator suffixes (11-12)
  chars / strings ........ _string_literal (13)
  structs ................ _struct_decl, _member (14)
  sizeof / typedef / casts _sizeof, _declspec typedefs, _cast (16)
"""

from __future__ import annotations

from .ctype import (
    #@ 9
    CHAR,
    #@ end
    INT,
    LONG,
    #@ 16
    SHORT,
    #@ end
    VOID,
    Type,
    #@ 5
    align_to,
    #@ end
    arith_type,
    #@ 9
    array_of,
    #@ end
    #@ 5
    compatible_assign,
    #@ end
    func_type,
    #@ 14
    layout_struct,
    #@ end
    #@ 9
    pointer_to,
    #@ end
)
from .lexer import CompileError, Token


class Node:
    def __init__(self, kind: str, line: int, ty: Type | None = None, **kw):
        self.kind, self.line, self.ty = kind, line, ty
        self.__dict__.update(kw)

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.ty})"


class Var:
    def __init__(self, name: str, ty: Type, is_local: bool, label: str | None = None):
        self.name, self.ty, self.is_local = name, ty, is_local
        self.label = label or name
        self.offset = 0  # locals: offset from %rbp
        #@ 9
        self.init: tuple[bytearray, list] | None = None  # globals: data + relocations
        #@ end
        #@ 10
        self.is_extern = False
        self.is_static = False
        self.has_init = False  # globals: an explicit initializer was seen
        #@ end
        self.has_body = False  # functions


class Function:
    def __init__(self, name: str, ty: Type, params: list[Var], is_static: bool):
        self.name, self.ty, self.params, self.is_static = name, ty, params, is_static
        self.locals: list[Var] = []
        self.body: Node | None = None
        self.stack_size = 0


class Program:
    def __init__(self):
        #@ 9
        self.globals: list[Var] = []
        #@ end
        self.functions: list[Function] = []


TYPE_KEYWORDS = {
    "void",
    #@ 9
    "char",
    #@ end
    #@ 16
    "short",
    #@ end
    "int",
    #@ 5
    "long",
    #@ end
    #@ 16
    "signed",
    #@ end
    #@ 17
    "unsigned",
    #@ end
    #@ 14
    "struct",
    "union",
    #@ end
    #@ 16
    "enum",
    "const",
    #@ end
    #@ 17
    "volatile",
    #@ end
    #@ 10
    "static",
    "extern",
    #@ end
    #@ 16
    "typedef",
    #@ end
    #@ 17
    "register",
    "auto",
    "inline",
    "float",
    "double",
    #@ end
}


class Parser:
    def __init__(self, toks: list[Token]):
        self.toks = toks
        self.pos = 0
        self.prog = Program()
        self.scopes: list[dict] = [{}]  # name -> ("var", Var) | ("typedef", Type) | ("enum", int)
        #@ 14
        self.tags: list[dict] = [{}]  # struct/union/enum tag -> Type
        #@ end
        self.fn: Function | None = None
        self.label_count = 0
        #@ 8
        self.brk: list[str] = []
        self.cont: list[str] = []
        #@ end
        #@ 15
        self.switches: list[Node] = []
        #@ end

    # ------------------------------------------------------------ token helpers
    def peek(self, k: int = 0) -> Token:
        return self.toks[min(self.pos + k, len(self.toks) - 1)]

    def advance(self) -> Token:
        t = self.toks[self.pos]
        if t.kind != "eof":
            self.pos += 1
        return t

    def is_(self, value: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t.kind in ("punct", "kw") and t.value == value

    def consume(self, value: str) -> bool:
        if self.is_(value):
            self.pos += 1
            return True
        return False

    def expect(self, value: str) -> Token:
        if not self.is_(value):
            self.error(f"expected '{value}'")
        return self.advance()

    def expect_ident(self) -> Token:
        t = self.peek()
        if t.kind != "id":
            self.error("expected an identifier")
        return self.advance()

    def error(self, msg: str, tok: Token | None = None):
        tok = tok or self.peek()
        near = "end of input" if tok.kind == "eof" else repr(tok.value)
        raise CompileError(f"{msg} (near {near})", tok.line)

    #@ 8
    def new_label(self, what: str) -> str:
        self.label_count += 1
        return f".L.{what}.{self.label_count}"

    #@ end
    # ------------------------------------------------------------ scopes
    def push_scope(self):
        self.scopes.append({})
        #@ 14
        self.tags.append({})
        #@ end

    def pop_scope(self):
        self.scopes.pop()
        #@ 14
        self.tags.pop()
        #@ end

    def lookup(self, name: str):
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    #@ 14
    def lookup_tag(self, name: str) -> Type | None:
        for scope in reversed(self.tags):
            if name in scope:
                return scope[name]
        return None

    #@ end
    def declare(self, name: str, entry, tok: Token):
        scope = self.scopes[-1]
        if name in scope:
            self.error(f"redeclaration of '{name}'", tok)
        scope[name] = entry

    def is_typename(self, k: int = 0) -> bool:
        t = self.peek(k)
        if t.kind == "kw":
            return t.value in TYPE_KEYWORDS
        #@ 16
        if t.kind == "id":
            e = self.lookup(t.value)
            return e is not None and e[0] == "typedef"
        #@ end
        return False

    # ================================================================ program
    def parse_program(self) -> Program:
        while self.peek().kind != "eof":
            if self.consume(";"):
                continue
            #@ 17
            start = self.peek()
            #@ end
            base, storage = self._declspec(allow_storage=True)
            #@ 14
            if self.consume(";"):
                continue  # e.g. `struct S {...};`
            #@ end
            #@ 16
            if storage == "typedef":
                self._typedef_rest(base)
                continue
            #@ end
            name_tok, ty = self._declarator(base)
            #@ 17
            if name_tok is None:
                self.error("expected a declarator", start)
            #@ end
            if ty.kind == "func":
                if self.is_("{"):
                    self._function(name_tok, ty, storage)
                    continue
                #@ 1-8
                self.error("expected a function body", name_tok)
                #@ end
                #@ 9
                self._declare_function(name_tok, ty, storage, has_body=False)
                while self.consume(","):
                    name_tok, ty = self._declarator(base)
                    self._declare_or_global(name_tok, ty, storage)
                self.expect(";")
                continue
                #@ end
            #@ 1-9
            self.error("expected a function definition", name_tok)
            #@ end
            #@ 10
            self._global_var(name_tok, ty, storage)
            while self.consume(","):
                name_tok, ty = self._declarator(base)
                self._declare_or_global(name_tok, ty, storage)
            self.expect(";")
            #@ end
        return self.prog

    #@ 10
    def _declare_or_global(self, name_tok, ty, storage):
        if name_tok is None:
            self.error("expected a declarator")
        if ty.kind == "func":
            self._declare_function(name_tok, ty, storage, has_body=False)
        else:
            self._global_var(name_tok, ty, storage)

    #@ end
    # ================================================================ types
    def _declspec(self, allow_storage: bool) -> tuple[Type, str | None]:
        storage = None
        #@ 14
        base: Type | None = None
        #@ end
        counts: dict[str, int] = {}
        seen_any = False
        while True:
            t = self.peek()
            #@ 16
            if t.kind == "kw" and t.value in ("const", "volatile", "register", "auto", "inline"):
                self.advance()
                continue
            #@ end
            #@ 10
            if t.kind == "kw" and t.value in ("static", "extern", "typedef"):
                #@ 17
                if not allow_storage:
                    self.error(f"storage class '{t.value}' not allowed here")
                #@ end
                #@ 17
                if storage:
                    self.error("multiple storage classes")
                #@ end
                storage = t.value
                self.advance()
                continue
            #@ end
            #@ 17
            if t.kind == "kw" and t.value in ("unsigned", "float", "double"):
                self.error(f"'{t.value}' is not supported by this compiler")
            #@ end
            #@ 14
            if t.kind == "kw" and t.value in ("struct", "union"):
                if base or counts:
                    self.error("two or more data types in declaration")
                self.advance()
                base = self._struct_decl(t.value == "union")
                seen_any = True
                continue
            #@ end
            #@ 16
            if t.kind == "kw" and t.value == "enum":
                if base or counts:
                    self.error("two or more data types in declaration")
                self.advance()
                base = self._enum_decl()
                seen_any = True
                continue
            if t.kind == "id" and base is None and not counts:
                e = self.lookup(t.value)
                if e is not None and e[0] == "typedef":
                    self.advance()
                    base = e[1]
                    seen_any = True
                    continue
            #@ end
            if t.kind == "kw" and t.value in ("void", "char", "short", "int", "long", "signed"):
                #@ 17
                if base:
                    self.error("two or more data types in declaration")
                #@ end
                counts[t.value] = counts.get(t.value, 0) + 1
                self.advance()
                seen_any = True
                continue
            break
        #@ 14
        if base is not None:
            return base, storage
        #@ end
        if not seen_any:
            self.error("expected a type name")
        c = dict(counts)
        #@ 16
        c.pop("signed", None)
        #@ end
        #@ 17
        if c.get("signed", 0) > 1:
            self.error("duplicate 'signed'")
        #@ end
        keyset = tuple(sorted(c.items()))
        table = {
            #@ 16
            (): INT,
            #@ end
            (("int", 1),): INT,
            (("void", 1),): VOID,
            #@ 9
            (("char", 1),): CHAR,
            #@ end
            #@ 16
            (("short", 1),): SHORT,
            (("int", 1), ("short", 1)): SHORT,
            #@ end
            #@ 5
            (("long", 1),): LONG,
            (("int", 1), ("long", 1)): LONG,
            (("long", 2),): LONG,
            (("int", 1), ("long", 2)): LONG,
            #@ end
        }
        if keyset not in table or (counts.get("signed") and keyset == (("void", 1),)):
            self.error("invalid combination of type specifiers")
        return table[keyset], storage

    def _declarator(self, ty: Type) -> tuple[Token | None, Type]:
        #@ 9
        while self.consume("*"):
            #@ 16
            while self.consume("const") or self.consume("volatile"):
                pass
            #@ end
            ty = pointer_to(ty)
        #@ end
        #@ 17
        if self.is_("("):
            self.error("parenthesized declarators (function pointers) are not supported")
        #@ end
        name = None
        if self.peek().kind == "id":
            name = self.advance()
        return name, self._type_suffix(ty)

    def _type_suffix(self, ty: Type) -> Type:
        if self.consume("("):
            return self._params(ty)
        #@ 11
        if self.consume("["):
            #@ 17
            if ty.kind == "void":
                self.error("declaration of array of void")
            #@ end
            if self.consume("]"):
                length = -1
            else:
                #@ 17
                tok = self.peek()
                #@ end
                length = self._const_expr()
                #@ 17
                if length < 0:
                    self.error("size of array is negative", tok)
                #@ end
                self.expect("]")
            inner = self._type_suffix(ty)
            #@ 17
            if inner.kind == "array" and inner.length < 0:
                self.error("array type has incomplete element type")
            if inner.kind == "struct" and inner.members is None:
                self.error("array type has incomplete element type")
            #@ end
            return array_of(inner, length)
        #@ end
        return ty

    def _params(self, ret: Type) -> Type:
        #@ 17
        if ret.kind in ("array", "func"):
            self.error("function cannot return an array or function")
        #@ end
        if self.consume(")"):
            t = func_type(ret, None, False)
            t.param_names = []
            return t
        if self.is_("void") and self.is_(")", 1):
            self.advance()
            self.advance()
            t = func_type(ret, [], False)
            t.param_names = []
            return t
        #@ 1-8
        self.error("parameters are not supported yet")
        #@ end
        #@ 9
        params, names, variadic = [], [], False
        while True:
            if self.consume("..."):
                variadic = True
                break
            base, _ = self._declspec(allow_storage=False)
            name, pty = self._declarator(base)
            #@ 12
            if pty.kind == "array":
                pty = pointer_to(pty.base)
            #@ end
            #@ 17
            elif pty.kind == "func":
                self.error("function pointer parameters are not supported")
            #@ end
            #@ 17
            if pty.kind == "void":
                self.error("parameter has void type")
            #@ end
            params.append(pty)
            names.append(name)
            if not self.consume(","):
                break
        self.expect(")")
        t = func_type(ret, params, variadic)
        t.param_names = names
        return t
        #@ end

    #@ 16
    def _abstract_type(self) -> Type:
        base, _ = self._declspec(allow_storage=False)
        name, ty = self._declarator(base)
        if name is not None:
            self.error("unexpected identifier in type name", name)
        return ty

    #@ end
    #@ 14
    # ---------------------------------------------------------------- structs
    def _struct_decl(self, is_union: bool) -> Type:
        tag_tok = self.advance() if self.peek().kind == "id" else None
        tag = tag_tok.value if tag_tok else None
        if tag and not self.is_("{"):
            ty = self.lookup_tag(tag)
            if ty is None:  # forward reference: incomplete struct
                ty = Type("struct", 0, 1)
                ty.tag = tag
                ty.is_union = is_union
                self.tags[-1][tag] = ty
            elif ty.kind != "struct" or ty.is_union != is_union:
                self.error(f"'{tag}' defined as wrong kind of tag", tag_tok)
            return ty
        self.expect("{")
        ty = None
        if tag:
            prev = self.tags[-1].get(tag)
            if prev is not None:
                if prev.kind != "struct" or prev.members is not None:
                    self.error(f"redefinition of 'struct {tag}'", tag_tok)
                ty = prev  # completing a forward declaration
        if ty is None:
            ty = Type("struct", 0, 1)
            ty.tag = tag
            if tag:
                self.tags[-1][tag] = ty
        members: list[tuple[str, Type]] = []
        names: set[str] = set()
        while not self.consume("}"):
            base, _ = self._declspec(allow_storage=False)
            while True:
                name_tok, mty = self._declarator(base)
                if name_tok is None:
                    self.error("expected member name")
                if mty.kind == "void" or mty.kind == "func":
                    self.error(f"field '{name_tok.value}' has invalid type", name_tok)
                if (mty.kind == "struct" and mty.members is None) or (
                    mty.kind == "array" and mty.length < 0
                ):
                    self.error(f"field '{name_tok.value}' has incomplete type", name_tok)
                if name_tok.value in names:
                    self.error(f"duplicate member '{name_tok.value}'", name_tok)
                names.add(name_tok.value)
                members.append((name_tok.value, mty))
                if not self.consume(","):
                    break
            self.expect(";")
        layout_struct(ty, members, is_union)
        return ty

    #@ end
    #@ 16
    def _enum_decl(self) -> Type:
        tag_tok = self.advance() if self.peek().kind == "id" else None
        if tag_tok and not self.is_("{"):
            ty = self.lookup_tag(tag_tok.value)
            if ty is None or ty.kind != "int":
                self.error(f"unknown enum '{tag_tok.value}'", tag_tok)
            return INT
        self.expect("{")
        value = 0
        while not self.consume("}"):
            name = self.expect_ident()
            if self.consume("="):
                value = self._const_expr()
            self.declare(name.value, ("enum", value), name)
            value += 1
            if not self.consume(","):
                self.expect("}")
                break
        if tag_tok:
            if tag_tok.value in self.tags[-1]:
                self.error(f"redefinition of 'enum {tag_tok.value}'", tag_tok)
            self.tags[-1][tag_tok.value] = INT
        return INT

    def _typedef_rest(self, base: Type):
        while True:
            name_tok, ty = self._declarator(base)
            if name_tok is None:
                self.error("expected typedef name")
            scope = self.scopes[-1]
            prev = scope.get(name_tok.value)
            if prev is not None and not (prev[0] == "typedef" and prev[1] is ty):
                self.error(f"conflicting declaration of '{name_tok.value}'", name_tok)
            scope[name_tok.value] = ("typedef", ty)
            if not self.consume(","):
                break
        self.expect(";")

    #@ end
    # ================================================================ functions
    def _declare_function(self, name_tok: Token, ty: Type, storage, has_body: bool) -> Var:
        name = name_tok.value
        prev = self.scopes[0].get(name)
        if prev is not None:
            #@ 17
            if prev[0] != "var" or prev[1].ty.kind != "func":
                self.error(f"'{name}' redeclared as different kind of symbol", name_tok)
            #@ end
            fv = prev[1]
            #@ 17
            old = fv.ty
            if old.ret.kind != ty.ret.kind or (
                old.params is not None
                and ty.params is not None
                and (len(old.params) != len(ty.params) or old.variadic != ty.variadic)
            ):
                self.error(f"conflicting types for '{name}'", name_tok)
            if has_body and fv.has_body:
                self.error(f"redefinition of '{name}'", name_tok)
            #@ end
            if ty.params is not None:
                fv.ty = ty
        else:
            #@ 17
            if len(self.scopes) > 1 and self.scopes[-1].get(name) is not None:
                self.error(f"'{name}' redeclared as different kind of symbol", name_tok)
            #@ end
            fv = Var(name, ty, is_local=False)
            self.scopes[0][name] = ("var", fv)
        #@ 9
        if len(self.scopes) > 1:  # block-scope prototype is visible in the block too
            self.scopes[-1].setdefault(name, ("var", fv))
        #@ end
        fv.has_body = fv.has_body or has_body
        #@ 10
        fv.is_static = fv.is_static or storage == "static"
        #@ end
        return fv

    def _function(self, name_tok: Token, ty: Type, storage):
        #@ 17
        if len(self.scopes) > 1:
            self.error("nested function definitions are not supported", name_tok)
        if ty.ret.kind == "struct":
            self.error("returning structs is not supported", name_tok)
        #@ end
        fv = self._declare_function(name_tok, ty, storage, has_body=True)
        params: list[Var] = []
        fn = Function(name_tok.value, fv.ty, params, storage == "static")
        self.fn = fn
        self.push_scope()
        #@ 9
        for i, pty in enumerate(ty.params or []):
            pname = ty.param_names[i]
            #@ 17
            if pname is None:
                self.error("parameter name omitted", name_tok)
            #@ end
            #@ 17
            if pty.kind == "struct":
                self.error("struct parameters are not supported", pname)
            #@ end
            v = Var(pname.value, pty, is_local=True)
            self.declare(pname.value, ("var", v), pname)
            params.append(v)
        #@ end
        self.expect("{")
        fn.body = self._block_items(self.peek().line)
        self.pop_scope()
        self.fn = None
        #@ 5
        self._assign_offsets(fn)
        #@ end
        self.prog.functions.append(fn)

    #@ 5
    @staticmethod
    def _assign_offsets(fn: Function):
        offset = 0
        #@ 9
        for i, v in enumerate(fn.params):
            if i >= 6:
                v.offset = 16 + 8 * (i - 6)  # passed on the stack by the caller
        #@ end
        for v in fn.params[:6] + fn.locals:
            offset = align_to(offset + v.ty.size, max(v.ty.align, 1))
            v.offset = -offset
        fn.stack_size = align_to(offset, 16)

    def _new_local(self, name_tok: Token, ty: Type) -> Var:
        v = Var(name_tok.value, ty, is_local=True)
        self.declare(name_tok.value, ("var", v), name_tok)
        self.fn.locals.append(v)
        return v

    #@ end
    #@ 10
    # ================================================================ globals
    def _global_var(self, name_tok: Token, ty: Type, storage):
        name = name_tok.value
        #@ 17
        if ty.kind == "void":
            self.error(f"variable '{name}' declared void", name_tok)
        #@ end
        has_init = self.is_("=")
        #@ 12
        if ty.kind == "array" and ty.length < 0 and has_init:
            ty = self._complete_array_length(ty)
        #@ end
        prev = self.scopes[0].get(name)
        if prev is not None:
            #@ 17
            if prev[0] != "var" or prev[1].ty.kind == "func":
                self.error(f"'{name}' redeclared as different kind of symbol", name_tok)
            #@ end
            v = prev[1]
            #@ 17
            if v.ty.kind != ty.kind or (
                v.ty.size != ty.size and v.ty.length >= 0 and ty.length >= 0
            ):
                self.error(f"conflicting types for '{name}'", name_tok)
            #@ end
            #@ 17
            if has_init and v.has_init:
                self.error(f"redefinition of '{name}'", name_tok)
            #@ end
            if ty.size > v.ty.size:
                v.ty = ty
        else:
            v = Var(name, ty, is_local=False)
            self.scopes[0][name] = ("var", v)
            self.prog.globals.append(v)
        if storage == "extern" and not has_init:
            if v.init is None:
                v.is_extern = True
            return
        v.is_extern = False
        v.is_static = v.is_static or storage == "static"
        if has_init:
            self.advance()
            v.init = self._global_init(v.ty)
            v.has_init = True
        #@ 17
        elif v.init is None and v.ty.kind == "struct" and v.ty.members is None:
            self.error(f"storage size of '{name}' isn't known", name_tok)
        #@ end
        # otherwise a tentative definition: zero-filled (.bss) unless initialized elsewhere

    def _global_init(self, ty: Type) -> tuple[bytearray, list]:
        buf = bytearray(ty.size)
        relocs: list[tuple[int, str, int]] = []
        self._ginit(buf, relocs, 0, ty)
        return buf, relocs

    def _ginit(self, buf: bytearray, relocs: list, off: int, ty: Type):
        #@ 12
        if ty.kind == "array":
            #@ 13
            if ty.base.kind == "char" and self.peek().kind == "str":
                data = self.advance().value
                n = min(len(data), ty.length)
                buf[off : off + n] = data[:n]
                return
            #@ end
            if self.consume("{"):
                #@ 13
                if ty.base.kind == "char" and self.peek().kind == "str":
                    self._ginit(buf, relocs, off, ty)
                    self.consume(",")
                    self.expect("}")
                    return
                #@ end
                i = 0
                while not self.consume("}"):
                    if i < ty.length:
                        self._ginit(buf, relocs, off + i * ty.base.size, ty.base)
                    else:
                        self._ginit(bytearray(ty.base.size), [], 0, ty.base)
                    i += 1
                    if not self.consume(","):
                        self.expect("}")
                        break
                return
            self.error("invalid initializer for array")
        #@ end
        #@ 14
        if ty.kind == "struct":
            if self.consume("{"):
                members = ty.members[:1] if ty.is_union else ty.members
                i = 0
                while not self.consume("}"):
                    if i < len(members):
                        self._ginit(buf, relocs, off + members[i].offset, members[i].ty)
                    else:
                        self.error("excess elements in struct initializer")
                    i += 1
                    if not self.consume(","):
                        self.expect("}")
                        break
                return
            self.error("struct initializers must be brace-enclosed")
        #@ end
        braced = self.consume("{")
        tok = self.peek()
        expr = self._assign()
        if braced:
            self.consume(",")
            self.expect("}")
        #@ 11
        reloc = self._eval_reloc(expr)
        if reloc is not None:
            #@ 17
            if ty.size != 8:
                self.error("initializer element is not computable at load time", tok)
            #@ end
            relocs.append((off, reloc[0], reloc[1]))
            return
        #@ end
        value = self._eval_const(expr, tok)
        buf[off : off + ty.size] = (value & ((1 << (8 * ty.size)) - 1)).to_bytes(ty.size, "little")

    #@ 11
    def _eval_reloc(self, node: Node):
        """Address constants: &global, array/function names, string literals, +- offsets."""
        #@ 16
        if node.kind == "cast":
            return self._eval_reloc(node.expr)
        #@ end
        if node.kind == "var" and not node.var.is_local and node.ty.kind in ("array", "func"):
            return node.var.label, 0
        if node.kind == "addr":
            inner = node.expr
            if inner.kind == "var" and not inner.var.is_local:
                return inner.var.label, 0
            #@ 14
            if inner.kind == "member":
                base = self._eval_reloc(Node("addr", inner.line, expr=inner.expr))
                if base:
                    return base[0], base[1] + inner.member.offset
            #@ end
            return None
        if node.kind == "binop" and node.op in ("+", "-") and node.ty.kind == "ptr":
            base = self._eval_reloc(node.lhs)
            if base is not None and node.rhs.ty.is_integer():
                try:
                    k = self._eval_const(node.rhs, None)
                except CompileError:
                    return None
                k *= node.ty.base.size
                return base[0], base[1] + (k if node.op == "+" else -k)
        return None

    #@ end
    #@ end
    #@ 10
    # ---------------------------------------------------------------- constants
    def _const_expr(self) -> int:
        tok = self.peek()
        return self._eval_const(self._conditional(), tok)

    def _eval_const(self, node: Node, tok: Token | None) -> int:
        k = node.kind
        ev = lambda n: self._eval_const(n, tok)  # noqa: E731
        if k == "num":
            return node.val
        #@ 16
        if k == "cast":
            return wrap(ev(node.expr), node.ty)
        #@ end
        if k == "neg":
            return wrap(-ev(node.expr), node.ty)
        if k == "not":
            return int(not ev(node.expr))
        if k == "bitnot":
            return wrap(~ev(node.expr), node.ty)
        if k == "cond":
            return ev(node.then) if ev(node.cond) else ev(node.els)
        if k == "comma":
            return ev(node.rhs)
        if (
            k == "binop"
            and node.ty.is_integer()
            and node.lhs.ty.is_integer()
            and node.rhs.ty.is_integer()
        ):
            op = node.op
            if op == "&&":
                return int(bool(ev(node.lhs)) and bool(ev(node.rhs)))
            if op == "||":
                return int(bool(ev(node.lhs)) or bool(ev(node.rhs)))
            a, b = ev(node.lhs), ev(node.rhs)
            if op in ("/", "%"):
                if b == 0:
                    raise CompileError(
                        "division by zero in constant expression", tok.line if tok else None
                    )
                q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
                return wrap(q if op == "/" else a - q * b, node.ty)
            result = {
                "+": lambda: a + b,
                "-": lambda: a - b,
                "*": lambda: a * b,
                "&": lambda: a & b,
                "|": lambda: a | b,
                "^": lambda: a ^ b,
                "<<": lambda: a << b,
                ">>": lambda: a >> b,
                "==": lambda: int(a == b),
                "!=": lambda: int(a != b),
                "<": lambda: int(a < b),
                "<=": lambda: int(a <= b),
                ">": lambda: int(a > b),
                ">=": lambda: int(a >= b),
            }[op]()
            return wrap(result, node.ty)
        raise CompileError("expression is not an integer constant", tok.line if tok else node.line)

    #@ end
    # ================================================================ statements
    def _block_items(self, line: int) -> Node:
        """Parse `{ items }` (the '{' is already consumed) in the current scope."""
        stmts = []
        while not self.consume("}"):
            #@ 17
            if self.peek().kind == "eof":
                self.error("expected '}' before end of input")
            #@ end
            #@ 1-4
            stmts.append(self._stmt())
            #@ end
            #@ 5
            if self.is_typename() and not self.is_(":", 1):
                stmts.append(self._local_decl())
            else:
                stmts.append(self._stmt())
            #@ end
        return Node("block", line, stmts=stmts)

    def _stmt(self) -> Node:
        t = self.peek()
        line = t.line
        if t.kind == "kw":
            kw = t.value
            if kw == "return":
                self.advance()
                expr = None
                if not self.is_(";"):
                    expr = self._expr()
                    ret = self.fn.ty.ret
                    if ret.kind != "void":
                        #@ 17
                        self._check_value(expr)
                        self._check_assignable(ret, expr, "return")
                        #@ end
                        expr = cast(expr, ret)
                self.expect(";")
                return Node("return", line, expr=expr)
            #@ 6
            if kw == "if":
                self.advance()
                self.expect("(")
                cond = self._cond_expr()
                self.expect(")")
                then = self._stmt()
                els = self._stmt() if self.consume("else") else None
                return Node("if", line, cond=cond, then=then, els=els)
            #@ end
            #@ 8
            if kw == "while":
                self.advance()
                self.expect("(")
                cond = self._cond_expr()
                self.expect(")")
                node = Node("while", line, cond=cond)
                node.body = self._loop_body(node)
                return node
            if kw == "do":
                self.advance()
                node = Node("do", line)
                node.body = self._loop_body(node)
                self.expect("while")
                self.expect("(")
                node.cond = self._cond_expr()
                self.expect(")")
                self.expect(";")
                return node
            if kw == "for":
                return self._for()
            if kw == "break":
                self.advance()
                #@ 17
                if not self.brk:
                    self.error("break statement not within loop or switch", t)
                #@ end
                self.expect(";")
                return Node("goto", line, label=self.brk[-1])
            if kw == "continue":
                self.advance()
                #@ 17
                if not self.cont:
                    self.error("continue statement not within a loop", t)
                #@ end
                self.expect(";")
                return Node("goto", line, label=self.cont[-1])
            #@ end
            #@ 15
            if kw == "switch":
                return self._switch()
            if kw in ("case", "default"):
                return self._case()
            #@ end
            #@ 17
            if kw == "goto":
                self.error("goto is not supported")
            if kw == "else":
                self.error("'else' without a previous 'if'")
            #@ end
        #@ 7
        if self.consume("{"):
            self.push_scope()
            node = self._block_items(line)
            self.pop_scope()
            return node
        #@ end
        if self.consume(";"):
            return Node("block", line, stmts=[])
        expr = self._expr()
        self.expect(";")
        return Node("expr", line, expr=expr)

    #@ 6
    def _cond_expr(self) -> Node:
        tok = self.peek()
        e = self._expr()
        self._check_scalar(e, tok)
        return e

    #@ end
    #@ 8
    def _loop_body(self, node: Node) -> Node:
        node.brk_label = self.new_label("break")
        node.cont_label = self.new_label("continue")
        self.brk.append(node.brk_label)
        self.cont.append(node.cont_label)
        body = self._stmt()
        self.brk.pop()
        self.cont.pop()
        return body

    def _for(self) -> Node:
        line = self.advance().line
        self.expect("(")
        self.push_scope()
        init = None
        if self.is_typename():
            init = self._local_decl()
        elif not self.consume(";"):
            init = Node("expr", line, expr=self._expr())
            self.expect(";")
        cond = None if self.is_(";") else self._cond_expr()
        self.expect(";")
        inc = None if self.is_(")") else self._expr()
        self.expect(")")
        node = Node("for", line, init=init, cond=cond, inc=inc)
        node.body = self._loop_body(node)
        self.pop_scope()
        return node

    #@ end
    #@ 15
    # ---------------------------------------------------------------- switch
    def _switch(self) -> Node:
        line = self.advance().line
        self.expect("(")
        #@ 17
        tok = self.peek()
        #@ end
        cond = self._expr()
        #@ 17
        if not cond.ty.is_integer():
            self.error("switch quantity not an integer", tok)
        #@ end
        self.expect(")")
        node = Node("switch", line, cond=cond, cases=[], default=None)
        node.brk_label = self.new_label("break")
        self.switches.append(node)
        self.brk.append(node.brk_label)
        node.body = self._stmt()
        self.brk.pop()
        self.switches.pop()
        return node

    def _case(self) -> Node:
        t = self.advance()
        #@ 17
        if not self.switches:
            self.error(f"'{t.value}' label not within a switch statement", t)
        #@ end
        sw = self.switches[-1]
        label = self.new_label("case")
        if t.value == "case":
            #@ 17
            tok = self.peek()
            #@ end
            value = wrap(self._const_expr(), sw.cond.ty if sw.cond.ty.size >= 4 else INT)
            #@ 17
            if any(v == value for v, _ in sw.cases):
                self.error("duplicate case value", tok)
            #@ end
            sw.cases.append((value, label))
        else:
            #@ 17
            if sw.default is not None:
                self.error("multiple default labels in one switch", t)
            #@ end
            sw.default = label
        self.expect(":")
        if self.is_("}"):
            return Node("label", t.line, label=label, body=Node("block", t.line, stmts=[]))
        return Node("label", t.line, label=label, body=self._stmt())

    #@ end
    #@ 5
    # ---------------------------------------------------------------- declarations
    def _local_decl(self) -> Node:
        line = self.peek().line
        base, storage = self._declspec(allow_storage=True)
        #@ 16
        if storage == "typedef":
            self._typedef_rest(base)
            return Node("block", line, stmts=[])
        #@ end
        stmts: list[Node] = []
        #@ 14
        if self.consume(";"):
            return Node("block", line, stmts=stmts)
        #@ end
        while True:
            name_tok, ty = self._declarator(base)
            #@ 17
            if name_tok is None:
                self.error("expected identifier")
            #@ end
            #@ 5-8
            self._plain_local(name_tok, ty, stmts)
            #@ end
            #@ 9
            if ty.kind == "func":
                self._declare_function(name_tok, ty, storage, has_body=False)
            #@ 17
            elif storage == "extern":
                self.error("block-scope extern declarations are not supported", name_tok)
            #@ end
            #@ 10
            elif storage == "static":
                self._static_local(name_tok, ty)
            #@ end
            else:
                self._plain_local(name_tok, ty, stmts)
            #@ end
            if not self.consume(","):
                break
        self.expect(";")
        return Node("block", line, stmts=stmts)

    #@ end
    #@ 17
    def _check_complete(self, name_tok: Token, ty: Type):
        if ty.kind == "void":
            self.error(f"variable '{name_tok.value}' declared void", name_tok)
        if ty.kind == "struct" and ty.members is None:
            self.error(f"storage size of '{name_tok.value}' isn't known", name_tok)
        if ty.kind == "array" and ty.length < 0:
            self.error(f"array size missing in '{name_tok.value}'", name_tok)

    #@ end
    #@ 10
    def _static_local(self, name_tok: Token, ty: Type):
        #@ 12
        if ty.kind == "array" and ty.length < 0 and self.is_("="):
            ty = self._complete_array_length(ty)
        #@ end
        #@ 17
        self._check_complete(name_tok, ty)
        #@ end
        self.label_count += 1
        v = Var(
            name_tok.value, ty, is_local=False, label=f"{name_tok.value}.static.{self.label_count}"
        )
        v.is_static = True
        self.declare(name_tok.value, ("var", v), name_tok)
        self.prog.globals.append(v)
        if self.consume("="):
            v.init = self._global_init(ty)

    #@ end
    def _plain_local(self, name_tok: Token, ty: Type, stmts: list[Node]):
        #@ 12
        if ty.kind == "array" and ty.length < 0 and self.is_("="):
            ty = self._complete_array_length(ty)
        #@ end
        #@ 17
        self._check_complete(name_tok, ty)
        #@ end
        v = self._new_local(name_tok, ty)
        if not self.consume("="):
            return
        line = name_tok.line
        target = Node("var", line, ty, var=v)
        #@ 12
        if self.is_("{") or (ty.kind == "array" and self.peek().kind == "str"):
            stmts.append(Node("memzero", line, var=v))
        #@ end
        for e in self._linit(target, ty):
            stmts.append(Node("expr", line, expr=e))

    def _linit(self, target: Node, ty: Type) -> list[Node]:
        """Local initializer -> list of assignment expressions to `target`."""
        line = target.line
        out: list[Node] = []
        #@ 12
        if ty.kind == "array":
            #@ 13
            if ty.base.kind == "char" and (
                self.peek().kind == "str" or (self.is_("{") and self.peek(1).kind == "str")
            ):
                braced = self.consume("{")
                data = self.advance().value
                for i, b in enumerate(data[: ty.length]):
                    out.append(
                        self._new_assign(
                            self._index(target, i), num(b - 256 if b > 127 else b, line), line
                        )
                    )
                if braced:
                    self.consume(",")
                    self.expect("}")
                return out
            #@ end
            self.expect("{")
            i = 0
            while not self.consume("}"):
                if i < ty.length:
                    out += self._linit(self._index(target, i), ty.base)
                else:
                    self._linit(self._index(target, 0), ty.base)  # excess: parsed, dropped
                i += 1
                if not self.consume(","):
                    self.expect("}")
                    break
            return out
        #@ end
        #@ 14
        if ty.kind == "struct" and self.is_("{"):
            self.advance()
            members = ty.members[:1] if ty.is_union else ty.members
            i = 0
            while not self.consume("}"):
                if i >= len(members):
                    self.error("excess elements in struct initializer")
                m = members[i]
                out += self._linit(Node("member", line, m.ty, expr=target, member=m), m.ty)
                i += 1
                if not self.consume(","):
                    self.expect("}")
                    break
            return out
        #@ end
        braced = self.consume("{")
        expr = self._assign()
        if braced:
            self.consume(",")
            self.expect("}")
        out.append(self._new_assign(target, expr, line))
        return out

    #@ 12
    def _index(self, arr: Node, i: int) -> Node:
        return self._deref(self._new_add(arr, num(i, arr.line), arr.line), arr.line)

    def _complete_array_length(self, ty: Type) -> Type:
        """`T a[] = init`: count the initializer's top-level elements (lookahead only)."""
        save = self.pos
        self.expect("=")
        if self.peek().kind == "str" and ty.base.kind == "char":
            n = len(self.peek().value) + 1
        elif self.is_("{") and self.peek(1).kind == "str" and ty.base.kind == "char":
            n = len(self.peek(1).value) + 1
        else:
            self.expect("{")
            n, depth = 0, 0
            if not self.is_("}"):
                n = 1
            while True:
                t = self.advance()
                if t.kind == "eof":
                    self.error("unterminated initializer")
                #@ 5
                if t.kind == "punct" and t.value in ("{", "(", "["):
                    depth += 1
                #@ end
                elif t.kind == "punct" and t.value in ("}", ")", "]"):
                    if depth == 0:
                        break
                    depth -= 1
                elif t.kind == "punct" and t.value == "," and depth == 0 and not self.is_("}"):
                    n += 1
        self.pos = save
        return array_of(ty.base, n)

    #@ end
    # ================================================================ expressions
    def _expr(self) -> Node:
        node = self._assign()
        #@ 5
        while self.is_(","):
            line = self.advance().line
            rhs = self._assign()
            node = Node("comma", line, rhs.ty, lhs=node, rhs=rhs)
        #@ end
        return node

    def _assign(self) -> Node:
        lhs = self._conditional()
        #@ 5
        t = self.peek()
        if t.kind == "punct" and t.value == "=":
            self.advance()
            return self._new_assign(lhs, self._assign(), t.line, t)
        if t.kind == "punct" and t.value in (
            "+=",
            "-=",
            "*=",
            "/=",
            "%=",
            "&=",
            "|=",
            "^=",
            "<<=",
            ">>=",
        ):
            self.advance()
            rhs = self._assign()
            return self._new_opassign(t.value[:-1], lhs, rhs, t)
        #@ end
        return lhs

    def _conditional(self) -> Node:
        cond = self._binary(0)
        #@ 1-5
        return cond
        #@ end
        #@ 6
        if not self.is_("?"):
            return cond
        t = self.advance()
        self._check_scalar(cond, t)
        then = self._expr()
        self.expect(":")
        els = self._conditional()
        a, b = then.ty, els.ty
        if a.is_integer() and b.is_integer():
            ty = arith_type(a, b)
        #@ 11
        elif a.is_pointer() and (b.is_pointer() or b.is_integer()):
            ty = pointer_to(a.base)
        #@ end
        #@ 11
        elif b.is_pointer() and a.is_integer():
            ty = pointer_to(b.base)
        #@ end
        #@ 9
        elif a.kind == "void" and b.kind == "void":
            ty = VOID
        #@ end
        #@ 14
        elif a.kind == "struct" and a is b:
            ty = a
        #@ end
        #@ 17
        else:
            self.error("type mismatch in conditional expression", t)
        #@ end
        return Node("cond", t.line, ty, cond=cond, then=then, els=els)
        #@ end

    # Binary operators by precedence level (lowest first).
    BINARY_LEVELS = [
        #@ 4
        ["||"],
        ["&&"],
        #@ end
        #@ 3
        ["|"],
        ["^"],
        ["&"],
        #@ end
        #@ 4
        ["==", "!="],
        ["<", "<=", ">", ">="],
        #@ end
        #@ 3
        ["<<", ">>"],
        #@ end
        #@ 2
        ["+", "-"],
        #@ end
        #@ 3
        ["*", "/", "%"],
        #@ end
    ]

    def _binary(self, level: int) -> Node:
        if level == len(self.BINARY_LEVELS):
            #@ 1-15
            return self._unary()
            #@ end
            #@ 16
            return self._cast()
            #@ end
        node = self._binary(level + 1)
        ops = self.BINARY_LEVELS[level]
        while True:
            t = self.peek()
            if t.kind == "punct" and t.value in ops:
                self.advance()
                rhs = self._binary(level + 1)
                node = self._new_binary(t.value, node, rhs, t)
            else:
                return node

    #@ 16
    def _cast(self) -> Node:
        if self.is_("(") and self.is_typename(1):
            t = self.advance()
            ty = self._abstract_type()
            self.expect(")")
            if self.is_("{"):
                self.error("compound literals are not supported")
            expr = self._cast()
            if ty.kind == "struct" or ty.kind == "array":
                self.error("conversion to non-scalar type requested", t)
            if ty.kind != "void":
                self._check_value(expr, t)
                if expr.ty.kind == "struct":
                    self.error("cannot convert a struct to a scalar type", t)
            return cast(expr, ty)
        return self._unary()

    #@ end
    def _unary(self) -> Node:
        #@ 2
        t = self.peek()
        #@ end
        #@ 2
        if t.kind == "punct":
            op = t.value
            #@ 2-10
            if op in ("+", "-", "!", "~"):
            #@ end
            #@ 11
            if op in ("+", "-", "!", "~", "*", "&"):
            #@ end
                self.advance()
                #@ 2-15
                x = self._unary()
                #@ end
                #@ 16
                x = self._cast()
                #@ end
                #@ 11
                if op == "*":
                    return self._deref(x, t.line, t)
                #@ end
                #@ 11
                if op == "&":
                    return self._addr(x, t)
                #@ end
                self._check_value(x, t)
                if op == "!":
                    #@ 6
                    self._check_scalar(x, t)
                    #@ end
                    return Node("not", t.line, INT, expr=x)
                #@ 17
                if not x.ty.is_integer():
                    self.error(f"wrong type argument to unary '{op}'", t)
                #@ end
                ty = arith_type(x.ty, INT)
                if op == "+":
                    return cast(x, ty)
                return Node("neg" if op == "-" else "bitnot", t.line, ty, expr=x)
            #@ 5
            if op in ("++", "--"):
                self.advance()
                #@ 5-15
                x = self._unary()
                #@ end
                #@ 16
                x = self._cast()
                #@ end
                return self._new_opassign(op[0], x, num(1, t.line), t)
            #@ end
        #@ end
        #@ 16
        if t.kind == "kw" and t.value == "sizeof":
            return self._sizeof()
        #@ end
        return self._postfix()

    #@ 16
    def _sizeof(self) -> Node:
        t = self.advance()
        if self.is_("(") and self.is_typename(1):
            self.advance()
            ty = self._abstract_type()
            self.expect(")")
        else:
            ty = self._unary().ty
        if (
            ty.kind == "func"
            or (ty.kind == "struct" and ty.members is None)
            or (ty.kind == "array" and ty.length < 0)
        ):
            self.error("invalid application of 'sizeof' to incomplete type", t)
        return Node("num", t.line, LONG, val=ty.size)

    #@ end
    def _postfix(self) -> Node:
        node = self._primary()
        #@ 1-4
        return node
        #@ end
        #@ 5
        while True:
            t = self.peek()
            if t.kind != "punct":
                return node
            #@ 11
            if t.value == "[":
                self.advance()
                idx = self._expr()
                self.expect("]")
                #@ 17
                if not (node.ty.is_pointer() or idx.ty.is_pointer()):
                    self.error("subscripted value is neither array nor pointer", t)
                #@ end
                node = self._deref(self._new_add(node, idx, t.line, t), t.line, t)
            #@ end
            #@ 17
            elif t.value == "(":
                self.error("called object is not a function", t)
            #@ end
            #@ 14
            elif t.value == ".":
                self.advance()
                node = self._member(node, self.expect_ident(), t)
            #@ end
            #@ 14
            elif t.value == "->":
                self.advance()
                #@ 17
                if not (node.ty.is_pointer() and node.ty.base.kind == "struct"):
                    self.error("invalid type argument of '->'", t)
                #@ end
                node = self._member(self._deref(node, t.line, t), self.expect_ident(), t)
            #@ end
            #@ 5-10
            if t.value in ("++", "--"):
            #@ end
            #@ 11
            elif t.value in ("++", "--"):
            #@ end
                self.advance()
                self._check_lvalue(node, t)
                #@ 17
                if not node.ty.is_scalar() or node.ty.kind == "array":
                    self.error("wrong type argument to increment", t)
                #@ end
                delta = 1 if t.value == "++" else -1
                node = Node("postinc", t.line, node.ty, expr=node, delta=delta)
            else:
                return node
        #@ end

    def _primary(self) -> Node:
        t = self.peek()
        if self.consume("("):
            #@ 17
            if self.is_("{"):
                self.error("statement expressions are not supported")
            #@ end
            node = self._expr()
            self.expect(")")
            return node
        if t.kind == "num":
            self.advance()
            node = num(t.value, t.line)
            #@ 16
            if t.is_long:
                node.ty = LONG
            #@ end
            return node
        #@ 9
        if t.kind == "str":
            self.advance()
            return self._string_literal(t)
        #@ end
        #@ 5
        if t.kind == "id":
            self.advance()
            #@ 9
            if self.is_("("):
                return self._call(t)
            #@ end
            e = self.lookup(t.value)
            if e is None:
                self.error(f"'{t.value}' undeclared", t)
            #@ 16
            if e[0] == "enum":
                return num(e[1], t.line)
            #@ end
            #@ 16
            if e[0] == "typedef":
                self.error(f"unexpected type name '{t.value}'", t)
            #@ end
            v = e[1]
            return Node("var", t.line, v.ty, var=v)
        #@ end
        self.error("expected an expression")

    #@ 9
    def _string_literal(self, t: Token) -> Node:
        self.label_count += 1
        data = bytes(t.value) + b"\0"
        v = Var(
            "<str>", array_of(CHAR, len(data)), is_local=False, label=f".L.str.{self.label_count}"
        )
        v.init = (bytearray(data), [])
        #@ 10
        v.is_static = True
        #@ end
        self.prog.globals.append(v)
        return Node("var", t.line, v.ty, var=v)

    def _call(self, name_tok: Token) -> Node:
        self.advance()  # '('
        e = self.lookup(name_tok.value)
        if e is None:
            self.error(f"implicit declaration of function '{name_tok.value}'", name_tok)
        #@ 17
        if e[0] != "var" or e[1].ty.kind != "func":
            self.error(f"called object '{name_tok.value}' is not a function", name_tok)
        #@ end
        fv = e[1]
        fty = fv.ty
        args = []
        if not self.consume(")"):
            while True:
                args.append(self._assign())
                if not self.consume(","):
                    break
            self.expect(")")
        #@ 17
        if fty.params is not None:
            if len(args) < len(fty.params):
                self.error(f"too few arguments to function '{name_tok.value}'", name_tok)
            if len(args) > len(fty.params) and not fty.variadic:
                self.error(f"too many arguments to function '{name_tok.value}'", name_tok)
        #@ end
        for i, a in enumerate(args):
            self._check_value(a, name_tok)
            #@ 17
            if a.ty.kind == "struct":
                self.error("passing structs by value is not supported", name_tok)
            #@ end
            if fty.params is not None and i < len(fty.params):
                #@ 17
                self._check_assignable(fty.params[i], a, "argument")
                #@ end
                args[i] = cast(a, fty.params[i])
        return Node("call", name_tok.line, fty.ret, name=fv.label, args=args, fty=fty)

    #@ end
    # ---------------------------------------------------------------- node builders & checks
    def _check_value(self, node: Node, tok: Token | None = None):
        if node.ty.kind == "void":
            self.error("void value not ignored as it ought to be", tok)

    #@ 6
    def _check_scalar(self, node: Node, tok: Token | None = None):
        self._check_value(node, tok)
        if not node.ty.is_scalar():
            self.error("used struct type value where scalar is required", tok)

    #@ end
    #@ 5
    def _check_lvalue(self, node: Node, tok: Token | None):
        if node.kind not in ("var", "deref", "member") or node.ty.kind in ("func",):
            self.error("lvalue required", tok)
        #@ 12
        if node.ty.kind == "array":
            self.error("assignment to expression with array type", tok)
        #@ end

    def _check_assignable(self, dst: Type, src_node: Node, what: str, tok: Token | None = None):
        if not compatible_assign(dst, src_node.ty):
            self.error(f"incompatible types in {what}", tok)

    def _new_assign(self, lhs: Node, rhs: Node, line: int, tok: Token | None = None) -> Node:
        self._check_lvalue(lhs, tok)
        self._check_value(rhs, tok)
        self._check_assignable(lhs.ty, rhs, "assignment", tok)
        return Node("assign", line, lhs.ty, lhs=lhs, rhs=cast(rhs, lhs.ty))

    def _new_opassign(self, op: str, lhs: Node, rhs: Node, tok: Token) -> Node:
        self._check_lvalue(lhs, tok)
        self._check_value(rhs, tok)
        # Type-check `lhs op rhs`; codegen evaluates lhs's address only once.
        bin_node = self._new_binary(op, lhs, rhs, tok)
        return Node("opassign", tok.line, lhs.ty, lhs=lhs, rhs=rhs, bin=bin_node)

    #@ end
    #@ 11
    def _deref(self, x: Node, line: int, tok: Token | None = None) -> Node:
        if not x.ty.is_pointer():
            self.error("invalid type argument of unary '*'", tok)
        if x.kind == "addr":
            return x.expr
        return Node("deref", line, x.ty.base, expr=x)

    def _addr(self, x: Node, tok: Token) -> Node:
        if x.ty.kind == "func" and x.kind == "var":
            return Node("addr", tok.line, pointer_to(x.ty), expr=x)
        if x.kind not in ("var", "deref", "member"):
            self.error("lvalue required as unary '&' operand", tok)
        if x.kind == "deref":
            return cast(x.expr, pointer_to(x.ty))
        return Node("addr", tok.line, pointer_to(x.ty), expr=x)

    #@ end
    #@ 14
    def _member(self, x: Node, name_tok: Token, tok: Token) -> Node:
        if x.ty.kind != "struct":
            self.error(f"request for member '{name_tok.value}' in something not a structure", tok)
        if x.ty.members is None:
            self.error("dereferencing pointer to incomplete type", tok)
        m = x.ty.find_member(name_tok.value)
        if m is None:
            self.error(f"struct has no member named '{name_tok.value}'", name_tok)
        return Node("member", tok.line, m.ty, expr=x, member=m)

    #@ end
    #@ 11
    def _new_add(self, a: Node, b: Node, line: int, tok: Token | None = None) -> Node:
        return self._new_binary("+", a, b, tok, line)

    #@ end
    def _new_binary(
        self, op: str, a: Node, b: Node, tok: Token | None, line: int | None = None
    ) -> Node:
        line = line if line is not None else tok.line
        self._check_value(a, tok)
        self._check_value(b, tok)
        ta, tb = a.ty, b.ty
        #@ 14
        if ta.kind == "struct" or tb.kind == "struct":
            self.error(f"invalid operands to binary {op}", tok)
        #@ end
        #@ 4
        if op in ("&&", "||", "==", "!=", "<", "<=", ">", ">="):
            return Node("binop", line, INT, op=op, lhs=a, rhs=b)
        #@ end
        if op == "+":
            if ta.is_integer() and tb.is_integer():
                return Node("binop", line, arith_type(ta, tb), op=op, lhs=a, rhs=b)
            #@ 11
            if tb.is_pointer() and ta.is_integer():
                a, b, ta, tb = b, a, tb, ta
            if ta.is_pointer() and tb.is_integer():
                return Node("binop", line, pointer_to(ta.base), op=op, lhs=a, rhs=b)
            self.error("invalid operands to binary +", tok)
            #@ end
        if op == "-":
            if ta.is_integer() and tb.is_integer():
                return Node("binop", line, arith_type(ta, tb), op=op, lhs=a, rhs=b)
            #@ 11
            if ta.is_pointer() and tb.is_integer():
                return Node("binop", line, pointer_to(ta.base), op=op, lhs=a, rhs=b)
            if ta.is_pointer() and tb.is_pointer():
                if ta.base.size != tb.base.size:
                    self.error("invalid operands to binary - (incompatible pointers)", tok)
                return Node("ptrdiff", line, LONG, lhs=a, rhs=b, size=ta.base.size)
            self.error("invalid operands to binary -", tok)
        if not (ta.is_integer() and tb.is_integer()):
            self.error(f"invalid operands to binary {op}", tok)
            #@ end
        #@ 3
        if op in ("<<", ">>"):
            return Node("binop", line, arith_type(ta, INT), op=op, lhs=a, rhs=b)
        #@ end
        return Node("binop", line, arith_type(ta, tb), op=op, lhs=a, rhs=b)


# -------------------------------------------------------------------- helpers


def num(value: int, line: int) -> Node:
    ty = INT if -(1 << 31) <= value < (1 << 31) else LONG
    return Node("num", line, ty, val=value)


def cast(node: Node, ty: Type) -> Node:
    if node.ty is ty or ty.kind == "struct":
        return node
    return Node("cast", node.line, ty, expr=node)
#@ 10


def wrap(value: int, ty: Type) -> int:
    """Truncate and sign-extend value to the width of integer type ty."""
    if not ty.is_integer():
        return value
    bits = 8 * ty.size
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value
#@ end
