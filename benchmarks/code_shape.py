"""The shape of the package's code: longest functions, widest signatures, flags named below the CLI.

    python benchmarks/code_shape.py [--top 10] [--params 8]

Lengths count a function's lines from its `def` to its last statement
(decorators and blank lines after it aside). Parameters count everything a
caller can pass (`self` and `cls` aside). Functions that Click calls with one
argument per option are left out of the parameter list: their width is the
command line's. A "message naming a flag" is a string literal outside
`dreamstyle/cli/`, other than a docstring, that contains `--word`.
"""

from __future__ import annotations

import argparse
import ast
import re
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dreamstyle"
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


@dataclass(frozen=True)
class Function:
    name: str  # module:Qualified.name
    lines: int
    parameters: int
    click_command: bool


def _is_click_command(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in {"command", "group", "option", "argument"}:
            return True
    return False


def _parameters(arguments: ast.arguments) -> int:
    names = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
    names += [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return sum(1 for name in names if name not in {"self", "cls"})


def _functions(path: Path) -> list[Function]:
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    found: list[Function] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                found.append(Function(f"{module}:{name}", child.end_lineno - child.lineno + 1,
                                      _parameters(child.args), _is_click_command(child)))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _flag_messages(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstring_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                and FLAG.search(node.value)):
            flags = ", ".join(sorted(set(FLAG.findall(node.value))))
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {flags}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10, help="how many of the longest functions to list")
    parser.add_argument("--params", type=int, default=8, help="list functions with more parameters than this")
    args = parser.parse_args()

    sources = sorted(PACKAGE.rglob("*.py"))
    functions = [f for path in sources for f in _functions(path)]
    print(f"## {args.top} longest functions (lines)\n")
    for function in sorted(functions, key=lambda f: (-f.lines, f.name))[:args.top]:
        print(f"{function.lines:5d}  {function.name}")
    wide = sorted((f for f in functions if f.parameters > args.params and not f.click_command),
                  key=lambda f: (-f.parameters, f.name))
    print(f"\n## functions with more than {args.params} parameters, Click commands aside: {len(wide)}\n")
    for function in wide:
        print(f"{function.parameters:5d}  {function.name}")
    outside_cli = [path for path in sources if "cli" not in path.relative_to(PACKAGE).parts]
    messages = [m for path in outside_cli for m in _flag_messages(path)]
    print(f"\n## string literals outside dreamstyle/cli/ that name a flag: {len(messages)}\n")
    for message in messages:
        print(f"       {message}")


if __name__ == "__main__":
    main()
