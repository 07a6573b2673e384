"""The layout's import rules, read from the code's own imports (ast), not from a list.

core/ is the product: it imports no driver (bot, web, tasks) and neither Slack nor Flask.
tasks/ may import bot's posting module; bot/ and web/ may import tasks/. No module is loaded
by an import string, no import sits inside a function, and no two modules import each other
round a cycle.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "bot", "web", "tasks")
# (importer's package, imported package) pairs that break the one-way rule
FORBIDDEN = {("core", "bot"), ("core", "web"), ("core", "tasks"), ("tasks", "web"),
             ("bot", "web")}
TASKS_MAY_IMPORT_FROM_BOT = {"bot.notify"}  # the posting module only
THIRD_PARTY_BY_PACKAGE = {"core": ("flask", "flask_htmx", "flask_wtf", "slack_bolt", "slack_sdk")}


def module_name(path, root=ROOT):
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_imports(root=ROOT, packages=PACKAGES):
    """{module: [(imported module, line, inside a function?)]} for every module of `packages`."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            name = module_name(path, root)
            tree = ast.parse(path.read_text(), str(path))
            found[name] = list(_imports(tree, name, path.name == "__init__.py"))
    return found


def _imports(tree, name, is_package):
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        yield from ((t, node.lineno, _in_function(node, parents)) for t in targets)


def _in_function(node, parents):
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return True
    return False


def graph(imports):
    """Edges between SyncDesk's own modules, an imported name resolved to its module."""
    known = set(imports)
    edges = {}
    for module, targets in imports.items():
        for target, _, _ in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != module and not module.startswith(target + "."):
                edges.setdefault(module, set()).add(target)
    return edges


def cycles(edges):
    """Every strongly connected group of more than one module (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def broken_rules(imports):
    """Every import that breaks a rule, as 'module:line: why'."""
    problems = []
    for module, targets in sorted(imports.items()):
        package = module.split(".")[0]
        for target, line, inside in targets:
            top = target.split(".")[0]
            where = f"{module}:{line}"
            if top == "importlib" and target != "importlib.metadata":
                problems.append(f"{where}: loads a module by an import string ({target})")
            if (package, top) in FORBIDDEN:
                problems.append(f"{where}: {package} must not import {top} ({target})")
            if package == "tasks" and top == "bot" and target != "bot" and not any(
                    target == m or target.startswith(m + ".") for m in TASKS_MAY_IMPORT_FROM_BOT):
                problems.append(f"{where}: tasks may import only bot's posting module ({target})")
            if top in THIRD_PARTY_BY_PACKAGE.get(package, ()):
                problems.append(f"{where}: {package} must not import {top}")
            if inside and top in PACKAGES:
                problems.append(f"{where}: imports {target} inside a function")
    for group in cycles(graph(imports)):
        problems.append("import cycle: " + " -> ".join(group))
    return problems


def test_the_code_keeps_the_import_rules():
    assert broken_rules(read_imports()) == []


@pytest.mark.parametrize("package, source, why", [
    ("core", "from tasks.app import huey\n", "core must not import tasks"),
    ("core", "import flask\n", "core must not import flask"),
    ("tasks", "from bot.commands import register\n", "tasks may import only bot's posting"),
    ("bot", "def f():\n    from core import runs\n", "inside a function"),
    ("web", "import importlib\nimportlib.import_module('web.runs')\n", "import string"),
])
def test_the_rule_check_fails_when_a_rule_is_broken(tmp_path, package, source, why):
    for name in PACKAGES:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / "core" / "runs.py").write_text("")
    (tmp_path / package / "added.py").write_text(source)
    problems = broken_rules(read_imports(tmp_path))
    assert any(why in p for p in problems), problems


def test_a_cycle_is_found(tmp_path):
    for name in PACKAGES:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / "core" / "a.py").write_text("from core import b\n")
    (tmp_path / "core" / "b.py").write_text("from core.c import thing\n")
    (tmp_path / "core" / "c.py").write_text("import core.a\nthing = 1\n")
    assert broken_rules(read_imports(tmp_path)) == ["import cycle: core.a -> core.b -> core.c"]


def test_core_imports_neither_slack_nor_flask():
    core = ROOT / "core"
    modules = sorted(module_name(p) for p in core.rglob("*.py"))
    code = ("import importlib, sys\n"
            f"for name in {modules!r}: importlib.import_module(name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'slack_bolt', 'slack_sdk', 'bot', 'web', 'tasks')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
