"""Check the package's structure (issue 12) over its AST; stdlib only.

usage: check-structure.py [--root <package dir>] [--list]

Exits 1 and names file:line for every violation of:

- layering: a module imports (at top level or inside a function) only
  modules of its own folder or of a strictly lower rank (RANKS below); the
  base modules at the package root (BASE) rank 0; nothing below cli/
  imports cli/, and peers of one rank (watch/wire, client/server) do not
  import each other;
- no import cycle among the package's modules (top-level imports);
- no module assigns to another module's attributes: ``mod.name = ...``,
  ``del mod.name``, ``setattr(mod, ...)``, where *mod* is a name bound by
  an import statement;
- nobody swaps the process's environment or working directory:
  os.environ changed in place, os.chdir, os.fchdir, os.putenv and
  os.unsetenv, except where ALLOWED says why.

--list prints every import between the package's modules, by layer.
"""

import argparse
import ast
import os
import sys

RANKS = {"watch": 1, "wire": 1, "repo": 2, "status": 3, "client": 4, "server": 4, "cli": 5}
BASE = {"__init__", "trace", "decline", "forked"}

# (file relative to the package, function) -> why it may change the process's
# environment or working directory.
ALLOWED = {
    ("wire/transport.py", "spawn"):
        "the forked child that execs the daemon: its own start-up, not a computation",
}

ENV_MUTATORS = {"clear", "update", "pop", "popitem", "setdefault", "__setitem__",
                "__delitem__"}
PROCESS_CALLS = {"os.chdir", "os.fchdir", "os.putenv", "os.unsetenv"}
ENVIRONS = {"os.environ", "os.environb"}


class Module:
    def __init__(self, root, path):
        self.path = path                               # as the user named the root
        self.rel = os.path.relpath(path, root)
        parts = self.rel[:-len(".py")].split(os.sep)
        if parts[-1] == "__init__":
            parts.pop()
        self.name = ".".join([os.path.basename(os.path.abspath(root))] + parts)
        self.is_package = path.endswith("__init__.py")
        self.folder = self.rel.split(os.sep)[0] if os.sep in self.rel else ""
        with open(path, "rb") as f:
            self.tree = ast.parse(f.read(), path)


def rank(module):
    return 0 if module.folder == "" else RANKS.get(module.folder)


def modules_of(root):
    found = {}
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x != "__pycache__")
        for f in sorted(files):
            if f.endswith(".py"):
                m = Module(root, os.path.join(d, f))
                found[m.name] = m
    return found


def scopes(tree):
    """(node, qualified name of the enclosing function, or None at import
    time) for every node of *tree*."""
    stack = [(tree, None, "")]
    while stack:
        node, func, prefix = stack.pop()
        yield node, func
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            func = prefix + getattr(node, "name", "<lambda>")
            prefix = func + "."
        elif isinstance(node, ast.ClassDef):
            prefix += node.name + "."
        stack.extend((child, func, prefix) for child in ast.iter_child_nodes(node))


def imports(module, known):
    """(line, target module, top level?) for each import of a package module."""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    out = []
    for node, func in scopes(module.tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                pkg = ".".join(base[:len(base) - node.level + 1] +
                               ([node.module] if node.module else []))
            else:
                pkg = node.module
            names = [pkg + "." + a.name if pkg + "." + a.name in known else pkg
                     for a in node.names]
        for name in names:
            while name and name not in known:          # a function of a module
                name = name.rpartition(".")[0]
            if name and name != module.name and (node.lineno, name, func is None) not in out:
                out.append((node.lineno, name, func is None))
    return sorted(out)


def check_layers(mods, say):
    for m in mods.values():
        if rank(m) is None:
            say(m, 1, "folder %s/ is not a layer (%s)" % (m.folder, ", ".join(sorted(RANKS))))
            continue
        if m.folder == "" and m.rel[:-3] not in BASE:
            say(m, 1, "%s at the package root is not a base module (%s)"
                % (m.rel, ", ".join(sorted(BASE))))
        for line, target, _ in imports(m, mods):
            t = mods[target]
            if t.folder == m.folder or rank(t) is None or rank(t) < rank(m):
                continue
            if t.folder == "cli":
                why = "nothing below cli/ imports cli/"
            elif rank(t) == rank(m):
                why = "%s/ and %s/ are peers of one rank" % (m.folder, t.folder)
            else:
                why = "imports reach up a layer"
            say(m, line, "%s (rank %d) imports %s (rank %d): %s"
                % (m.name, rank(m), target, rank(t), why))


def check_cycles(mods, say):
    edges = {name: {} for name in mods}
    for m in mods.values():
        for line, target, top in imports(m, mods):
            if top:
                edges[m.name].setdefault(target, line)
    done, seen = set(), set()

    def visit(path):
        for target in sorted(edges[path[-1]]):
            if target in path:                          # a cycle: name it once
                cycle = path[path.index(target):]
                first = cycle.index(min(cycle))
                cycle = cycle[first:] + cycle[:first] + [min(cycle)]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    where = ", ".join("%s:%d" % (mods[a].path, edges[a][b])
                                      for a, b in zip(cycle, cycle[1:]))
                    say(mods[cycle[0]], edges[cycle[0]][cycle[1]],
                        "import cycle: %s (%s)" % (" -> ".join(cycle), where))
            elif target not in done:
                visit(path + [target])
        done.add(path[-1])

    for name in sorted(edges):
        if name not in done:
            visit([name])


def bindings(tree):
    """{local name: qualified name} for every name an import binds."""
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    bound[a.asname] = a.name
                else:
                    bound[a.name.split(".")[0]] = a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                bound[a.asname or a.name] = "%s%s.%s" % ("." * node.level, node.module or "",
                                                          a.name)
    return bound


def qualified(node, bound):
    """The dotted name of *node* with its import-bound root resolved, or None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in bound:
        return None
    return ".".join([bound[node.id]] + parts[::-1])


def root(node):
    """The name at the root of an attribute chain, or None."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def names_bound(target):
    """The plain names an assignment to *target* binds (not self.x, not d[k])."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return names_bound(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in names_bound(e)]
    return []


def module_names(tree, bound):
    """The names that may hold a module: bound by an import, or assigned,
    unpacked or iterated from a tuple or list that holds one as an element
    (``for mod, name, value in [(cache, "load", f)]: setattr(mod, ...)``)."""
    held = set(bound)

    def holds(value):
        if isinstance(value, ast.Name):
            return value.id in held
        if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
            return any(holds(e) for e in value.elts)
        if isinstance(value, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return holds(value.elt)
        return isinstance(value, ast.Starred) and holds(value.value)

    grew = True
    while grew:
        grew = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                pairs = [(t, node.value) for t in node.targets]
            elif isinstance(node, (ast.For, ast.comprehension)):
                pairs = [(node.target, node.iter)]
            else:
                continue
            for target, value in pairs:
                if holds(value):
                    new = set(names_bound(target)) - held
                    held |= new
                    grew = grew or bool(new)
    return held


def check_assignments(mods, say):
    for m in mods.values():
        bound = bindings(m.tree)
        held = module_names(m.tree, bound)
        for node, func in scopes(m.tree):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            elif isinstance(node, ast.Delete):
                targets = node.targets
            flat = []
            while targets:
                t = targets.pop()
                if isinstance(t, (ast.Tuple, ast.List)):
                    targets.extend(t.elts)
                elif isinstance(t, ast.Starred):
                    targets.append(t.value)
                else:
                    flat.append(t)
            for t in flat:
                if isinstance(t, ast.Attribute) and root(t) in held:
                    say(m, node.lineno, "assigns to another module's attribute %s"
                        % (qualified(t, bound) or ast.unparse(t)))
                elif isinstance(t, ast.Subscript) and qualified(t.value, bound) in ENVIRONS:
                    env_change(m, node, func, qualified(t.value, bound) + "[...]", say)
            if isinstance(node, ast.Call):
                name = qualified(node.func, bound)
                if isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr") \
                        and node.args and root(node.args[0]) in held:
                    say(m, node.lineno, "%s() on a module: %s"
                        % (node.func.id, ast.unparse(node.args[0])))
                elif name in PROCESS_CALLS or (name and name.rpartition(".")[0] in ENVIRONS
                                               and name.rpartition(".")[2] in ENV_MUTATORS):
                    env_change(m, node, func, name + "()", say)


def env_change(m, node, func, what, say):
    if (m.rel, func) not in ALLOWED:
        say(m, node.lineno, "%s in %s: swaps the process's environment or working directory"
            % (what, func or "the module"))


def list_imports(mods):
    order = sorted(mods.values(), key=lambda m: (rank(m) is None, rank(m) or 0, m.folder, m.name))
    folder = None
    for m in order:
        if m.folder != folder:
            folder = m.folder
            print("%s (rank %s)" % (folder + "/" if folder else "base modules", rank(m)))
        for line, target, top in imports(m, mods):
            print("  %s:%d -> %s%s" % (m.rel, line, mods[target].rel,
                                       "" if top else "  (in a function)"))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.relpath(os.path.join(os.path.dirname(here),
                                                                   "git_fswatch")),
                    help="the package directory (default: git_fswatch beside t/)")
    ap.add_argument("--list", action="store_true", help="print the imports by layer")
    args = ap.parse_args()
    mods = modules_of(os.path.normpath(args.root))
    if args.list:
        list_imports(mods)
        return 0
    found = []

    def say(module, line, message):
        found.append("%s:%d: %s" % (module.path, line, message))

    check_layers(mods, say)
    check_cycles(mods, say)
    check_assignments(mods, say)
    for v in sorted(set(found), key=lambda v: (v.split(":")[0], int(v.split(":")[1]))):
        print(v)
    if found:
        print("%d violation(s)" % len(found), file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
