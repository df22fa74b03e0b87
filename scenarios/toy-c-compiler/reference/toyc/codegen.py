"""Code generator: typed AST -> x86-64 assembly (AT&T syntax, System V ABI).

A simple stack machine: every expression leaves its value in %rax
(integers sign-extended to 64 bits); binary operators park the left operand
on the stack.  `self.depth` tracks pushes so calls keep %rsp 16-byte aligned.

`order` picks the evaluation order C leaves unspecified: "default" evaluates
operands left to right and call arguments right to left (as gcc -O0 does),
"ltr" both left to right, "rtl" both right to left. The test suite's
expected outputs must not depend on it (tools/regen_expected.py --check).
"""

from __future__ import annotations

from .ctype import Type
from .parser import Function, Node, Program, Var

ARG_REGS = {
    8: ["%rdi", "%rsi", "%rdx", "%rcx", "%r8", "%r9"],
    4: ["%edi", "%esi", "%edx", "%ecx", "%r8d", "%r9d"],
    2: ["%di", "%si", "%dx", "%cx", "%r8w", "%r9w"],
    1: ["%dil", "%sil", "%dl", "%cl", "%r8b", "%r9b"],
}


class CodeGen:
    def __init__(self, prog: Program, order: str = "default"):
        self.prog = prog
        self.order = order
        self.out: list[str] = []
        self.depth = 0
        self.fn: Function | None = None
        self.count = 0

    def emit(self, line: str):
        self.out.append("\t" + line)

    def label(self, name: str):
        self.out.append(f"{name}:")

    def new_label(self) -> str:
        self.count += 1
        return f".L.cg.{self.count}"

    def push(self):
        self.emit("pushq %rax")
        self.depth += 1

    def pop(self, reg: str):
        self.emit(f"popq {reg}")
        self.depth -= 1

    def operands(self, lhs: Node, rhs: Node):
        """%rax = lhs, %rdi = rhs, evaluated in `self.order`."""
        rtl = self.order == "rtl"
        self.gen_expr(rhs if rtl else lhs)
        self.push()
        self.gen_expr(lhs if rtl else rhs)
        self.emit("movq %rax, %rdi")
        self.pop("%rax")
        if rtl:
            self.emit("xchgq %rax, %rdi")

    # ================================================================ program
    def generate(self) -> str:
        self.gen_data()
        self.out.append("\t.text")
        for fn in self.prog.functions:
            self.gen_function(fn)
        self.out.append('\t.section .note.GNU-stack,"",@progbits')
        return "\n".join(self.out) + "\n"

    # ---------------------------------------------------------------- globals (stage 10)
    def gen_data(self):
        for v in self.prog.globals:
            if v.is_extern:
                continue
            if not v.is_static:
                self.out.append(f"\t.globl {v.label}")
            if v.init is None:
                self.out.append("\t.bss")
                self.out.append(f"\t.balign {max(v.ty.align, 1)}")
                self.label(v.label)
                self.emit(f".zero {max(v.ty.size, 1)}")
                continue
            data, relocs = v.init
            self.out.append("\t.data")
            self.out.append(f"\t.balign {max(v.ty.align, 1)}")
            self.label(v.label)
            at = {off: (lab, add) for off, lab, add in relocs}
            i = 0
            while i < len(data):
                if i in at:
                    lab, add = at[i]
                    self.emit(f".quad {lab}{add:+d}" if add else f".quad {lab}")
                    i += 8
                else:
                    self.emit(f".byte {data[i]}")
                    i += 1

    # ---------------------------------------------------------------- functions (stage 09)
    def gen_function(self, fn: Function):
        self.fn = fn
        self.depth = 0
        if not fn.is_static:
            self.out.append(f"\t.globl {fn.name}")
        self.label(fn.name)
        self.emit("pushq %rbp")
        self.emit("movq %rsp, %rbp")
        if fn.stack_size:
            self.emit(f"subq ${fn.stack_size}, %rsp")
        for i, p in enumerate(fn.params[:6]):
            self.emit(f"mov {ARG_REGS[p.ty.size][i]}, {p.offset}(%rbp)")
        self.gen_stmt(fn.body)
        # Falling off the end returns 0 (required for main, harmless elsewhere).
        self.emit("movl $0, %eax")
        self.label(f".L.return.{fn.name}")
        self.emit("movq %rbp, %rsp")
        self.emit("popq %rbp")
        self.emit("ret")

    # ================================================================ statements
    def gen_stmt(self, node: Node):
        k = node.kind
        if k == "block":
            for s in node.stmts:
                self.gen_stmt(s)
        elif k == "expr":
            self.gen_expr(node.expr)
        elif k == "return":
            if node.expr is not None:
                self.gen_expr(node.expr)
            self.emit(f"jmp .L.return.{self.fn.name}")
        elif k == "memzero":
            self.emit(f"leaq {node.var.offset}(%rbp), %rdi")
            self.emit(f"movl ${node.var.ty.size}, %ecx")
            self.emit("xorl %eax, %eax")
            self.emit("rep stosb")
        # ---- if / else (stage 06)
        elif k == "if":
            else_l, end_l = self.new_label(), self.new_label()
            self.gen_expr(node.cond)
            self.emit("cmpq $0, %rax")
            self.emit(f"je {else_l}")
            self.gen_stmt(node.then)
            self.emit(f"jmp {end_l}")
            self.label(else_l)
            if node.els is not None:
                self.gen_stmt(node.els)
            self.label(end_l)
        # ---- loops (stage 08)
        elif k == "while":
            top = self.new_label()
            self.label(top)
            self.label(node.cont_label)
            self.gen_expr(node.cond)
            self.emit("cmpq $0, %rax")
            self.emit(f"je {node.brk_label}")
            self.gen_stmt(node.body)
            self.emit(f"jmp {top}")
            self.label(node.brk_label)
        elif k == "do":
            top = self.new_label()
            self.label(top)
            self.gen_stmt(node.body)
            self.label(node.cont_label)
            self.gen_expr(node.cond)
            self.emit("cmpq $0, %rax")
            self.emit(f"jne {top}")
            self.label(node.brk_label)
        elif k == "for":
            top = self.new_label()
            if node.init is not None:
                self.gen_stmt(node.init)
            self.label(top)
            if node.cond is not None:
                self.gen_expr(node.cond)
                self.emit("cmpq $0, %rax")
                self.emit(f"je {node.brk_label}")
            self.gen_stmt(node.body)
            self.label(node.cont_label)
            if node.inc is not None:
                self.gen_expr(node.inc)
            self.emit(f"jmp {top}")
            self.label(node.brk_label)
        elif k == "goto":
            self.emit(f"jmp {node.label}")
        # ---- switch (stage 15)
        elif k == "switch":
            self.gen_expr(node.cond)
            for value, lab in node.cases:
                self.emit(f"movq ${value}, %rdi")
                self.emit("cmpq %rdi, %rax")
                self.emit(f"je {lab}")
            self.emit(f"jmp {node.default or node.brk_label}")
            self.gen_stmt(node.body)
            self.label(node.brk_label)
        elif k == "label":
            self.label(node.label)
            self.gen_stmt(node.body)
        else:
            raise AssertionError(f"unknown statement {k}")

    # ================================================================ expressions
    def gen_addr(self, node: Node):
        """Leave the address of an lvalue in %rax."""
        k = node.kind
        if k == "var":
            v: Var = node.var
            if v.is_local:
                self.emit(f"leaq {v.offset}(%rbp), %rax")
            else:
                self.emit(f"leaq {v.label}(%rip), %rax")
        elif k == "deref":
            self.gen_expr(node.expr)
        elif k == "member":  # stage 14
            self.gen_addr(node.expr)
            if node.member.offset:
                self.emit(f"addq ${node.member.offset}, %rax")
        else:
            raise AssertionError(f"not an lvalue: {k}")

    def load(self, ty: Type):
        """%rax holds an address; replace it by the value stored there."""
        if ty.kind in ("array", "struct", "func"):
            return  # arrays decay to their address; structs are handled by address
        if ty.size == 1:
            self.emit("movsbq (%rax), %rax")
        elif ty.size == 2:
            self.emit("movswq (%rax), %rax")
        elif ty.size == 4:
            self.emit("movslq (%rax), %rax")
        else:
            self.emit("movq (%rax), %rax")

    def store(self, ty: Type):
        """Store %rax to the address in %rdi."""
        if ty.kind == "struct":
            for i in range(ty.size):
                self.emit(f"movb {i}(%rax), %r8b")
                self.emit(f"movb %r8b, {i}(%rdi)")
            self.emit("movq %rdi, %rax")
            return
        reg = {1: "%al", 2: "%ax", 4: "%eax", 8: "%rax"}[ty.size]
        self.emit(f"mov {reg}, (%rdi)")

    def convert(self, ty: Type):
        """Truncate/sign-extend %rax to integer type ty (stage 16 casts)."""
        if ty.kind == "char":
            self.emit("movsbq %al, %rax")
        elif ty.kind == "short":
            self.emit("movswq %ax, %rax")
        elif ty.kind == "int":
            self.emit("movslq %eax, %rax")

    def gen_expr(self, node: Node):
        k = node.kind
        if k == "num":
            self.emit(f"movq ${node.val}, %rax")
        elif k in ("var", "member"):
            self.gen_addr(node)
            self.load(node.ty)
        elif k == "deref":
            self.gen_expr(node.expr)
            self.load(node.ty)
        elif k == "addr":
            self.gen_addr(node.expr)
        elif k == "cast":
            self.gen_expr(node.expr)
            self.convert(node.ty)
        elif k == "neg":
            self.gen_expr(node.expr)
            self.emit("negq %rax")
            self.convert(node.ty)
        elif k == "bitnot":
            self.gen_expr(node.expr)
            self.emit("notq %rax")
        elif k == "not":
            self.gen_expr(node.expr)
            self.emit("cmpq $0, %rax")
            self.emit("sete %al")
            self.emit("movzbq %al, %rax")
        elif k == "assign":
            if self.order == "rtl":  # the value, then where it goes
                self.gen_expr(node.rhs)
                self.push()
                self.gen_addr(node.lhs)
                self.emit("movq %rax, %rdi")
                self.pop("%rax")
            else:
                self.gen_addr(node.lhs)
                self.push()
                self.gen_expr(node.rhs)
                self.pop("%rdi")
            self.store(node.ty)
        elif k == "opassign":  # compound assignment and prefix ++/-- (stage 05)
            if self.order == "rtl":  # the value, then where it goes
                self.gen_expr(node.rhs)
                self.push()
                self.gen_addr(node.lhs)
                self.push()
                self.load(node.lhs.ty)
                self.emit("movq 8(%rsp), %rdi")
            else:
                self.gen_addr(node.lhs)
                self.push()
                self.load(node.lhs.ty)
                self.push()
                self.gen_expr(node.rhs)
                self.emit("movq %rax, %rdi")
                self.pop("%rax")
            self.binop(node.bin)
            self.convert(node.ty)
            self.pop("%rdi")
            if self.order == "rtl":
                self.emit("addq $8, %rsp")
                self.depth -= 1
            self.store(node.ty)
        elif k == "postinc":
            self.gen_addr(node.expr)
            self.emit("movq %rax, %rdi")
            self.load(node.ty)
            self.emit("movq %rax, %rsi")
            step = node.delta * (node.ty.base.size if node.ty.kind == "ptr" else 1)
            self.emit(f"addq ${step}, %rax")
            self.store(node.ty)
            self.emit("movq %rsi, %rax")
        elif k == "comma":
            self.gen_expr(node.lhs)
            self.gen_expr(node.rhs)
        elif k == "cond":
            else_l, end_l = self.new_label(), self.new_label()
            self.gen_expr(node.cond)
            self.emit("cmpq $0, %rax")
            self.emit(f"je {else_l}")
            self.gen_expr(node.then)
            self.emit(f"jmp {end_l}")
            self.label(else_l)
            self.gen_expr(node.els)
            self.label(end_l)
        elif k == "binop" and node.op in ("&&", "||"):  # stage 04 short-circuit
            short_l, end_l = self.new_label(), self.new_label()
            jump = "je" if node.op == "&&" else "jne"
            self.gen_expr(node.lhs)
            self.emit("cmpq $0, %rax")
            self.emit(f"{jump} {short_l}")
            self.gen_expr(node.rhs)
            self.emit("cmpq $0, %rax")
            self.emit(f"{jump} {short_l}")
            self.emit(f"movq ${1 if node.op == '&&' else 0}, %rax")
            self.emit(f"jmp {end_l}")
            self.label(short_l)
            self.emit(f"movq ${0 if node.op == '&&' else 1}, %rax")
            self.label(end_l)
        elif k == "binop":
            self.operands(node.lhs, node.rhs)
            self.binop(node)
        elif k == "ptrdiff":  # stage 11
            self.operands(node.lhs, node.rhs)
            self.emit("subq %rdi, %rax")
            if node.size > 1:
                self.emit(f"movq ${node.size}, %rdi")
                self.emit("cqto")
                self.emit("idivq %rdi")
        elif k == "call":
            self.gen_call(node)
        else:
            raise AssertionError(f"unknown expression {k}")

    def binop(self, node: Node):
        """%rax = %rax <op> %rdi for binop node `node` (operand types from its children)."""
        op = node.op
        if op in ("+", "-") and node.ty.kind == "ptr":  # pointer arithmetic (stage 11)
            # The parser puts the pointer operand on the left (`2 + p` -> `p + 2`).
            size = node.ty.base.size
            if size != 1:
                self.emit(f"imulq ${size}, %rdi")
            self.emit("addq %rdi, %rax" if op == "+" else "subq %rdi, %rax")
            return
        simple = {"+": "addq", "-": "subq", "*": "imulq", "&": "andq", "|": "orq", "^": "xorq"}
        if op in simple:
            self.emit(f"{simple[op]} %rdi, %rax")
        elif op in ("/", "%"):
            self.emit("cqto")
            self.emit("idivq %rdi")
            if op == "%":
                self.emit("movq %rdx, %rax")
        elif op in ("<<", ">>"):
            self.emit("movq %rdi, %rcx")
            self.emit("shlq %cl, %rax" if op == "<<" else "sarq %cl, %rax")
        elif op in ("==", "!=", "<", "<=", ">", ">="):
            setcc = {
                "==": "sete",
                "!=": "setne",
                "<": "setl",
                "<=": "setle",
                ">": "setg",
                ">=": "setge",
            }[op]
            self.emit("cmpq %rdi, %rax")
            self.emit(f"{setcc} %al")
            self.emit("movzbq %al, %rax")
            return
        else:
            raise AssertionError(op)
        self.convert(node.ty)

    # ---------------------------------------------------------------- calls (stage 09)
    def gen_call(self, node: Node):
        args = node.args
        nstack = max(0, len(args) - 6)
        pad = (self.depth + nstack) % 2
        if pad:
            self.emit("subq $8, %rsp")
            self.depth += 1
        if self.order == "ltr" and args:  # each argument into its slot, left to right
            self.emit(f"subq ${8 * len(args)}, %rsp")
            self.depth += len(args)
            for i, a in enumerate(args):
                self.gen_expr(a)
                self.emit(f"movq %rax, {8 * i}(%rsp)")
            nreg = min(6, len(args))
            for i in range(nreg):
                self.emit(f"movq {8 * i}(%rsp), {ARG_REGS[8][i]}")
            self.emit(f"addq ${8 * nreg}, %rsp")
            self.depth -= nreg
        else:
            for a in reversed(args):
                self.gen_expr(a)
                self.push()
            for i in range(min(6, len(args))):
                self.pop(ARG_REGS[8][i])
        self.emit("movl $0, %eax")  # no vector registers used by variadic calls
        self.emit(f"call {node.name}@PLT")  # PLT works for local and libc functions
        cleanup = 8 * (nstack + pad)
        if cleanup:
            self.emit(f"addq ${cleanup}, %rsp")
        self.depth -= nstack + pad
        ret = node.fty.ret
        if ret.is_integer():
            self.convert(ret)
