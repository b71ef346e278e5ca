"""List the mutants mutmut generated whose change is more than a string literal (scripts/mutation).

mutmut 3 writes each mutant as a function ``x_<name>__mutmut_<n>`` next to ``x_<name>__mutmut_orig`` in mutants/.
A mutant whose AST equals the original's once every string constant is blanked only rewords a message or a
label; the run skips those (docs/mutation.md says why) and tests every mutant that changes code: a comparison,
an operator, a boolean, a number, a call argument, a removed statement.

    python scripts/mutation_select.py PATTERN...   # fnmatch patterns over mutant names, as mutmut run takes
"""

from __future__ import annotations

import ast
import fnmatch
import sys
from pathlib import Path

MODULES = ["voting/state.py", "voting/rules.py", "voting/tally.py", "voting/election.py", "voting/records.py"]
MODULES += ["client/verifier.py"]


class _Blank(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant("") if isinstance(node.value, str) else node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return ast.Constant("")


def _shape(fn: ast.AST) -> str:
    fn = _Blank().visit(ast.parse(ast.unparse(fn)))
    body = fn.body[0]
    assert isinstance(body, ast.FunctionDef | ast.AsyncFunctionDef)
    body.name = ""
    return ast.dump(body)


def code_mutants(root: Path) -> list[str]:
    names = []
    for module in MODULES:
        path = root / "mutants" / module
        prefix = module.removesuffix(".py").replace("/", ".")
        tree = ast.parse(path.read_text("utf-8"))
        functions = {
            node.name: node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "__mutmut_" in node.name
        }
        for name, node in functions.items():
            base, _, number = name.rpartition("__mutmut_")
            if number == "orig":
                continue
            original = functions.get(f"{base}__mutmut_orig")
            if original is None or _shape(node) != _shape(original):
                names.append(f"{prefix}.{name}")
    return names


def main(argv: list[str]) -> int:
    patterns = argv or ["*"]
    for name in code_mutants(Path.cwd()):
        if any(fnmatch.fnmatchcase(name, p) for p in patterns):
            print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
