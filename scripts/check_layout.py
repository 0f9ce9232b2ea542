#!/usr/bin/env python3
"""The layout rules of the top README ("Layout"), checked on the source tree:
  1. a library folder includes only itself and the folders before it in LAYERS (the dependency
     direction; bench/, tests/ and python/ may include any library folder);
  2. no library folder holds more than 20% of the source lines (C++ and headers) of the
     library folders, cli/, python/ and bench/ together.
Exit 0 when both hold, 1 with one line per violation otherwise. Usage: check_layout.py [ROOT]"""
import pathlib
import re
import sys

LAYERS = ["params", "io", "devices", "netlists", "linalg", "cosim", "tokenizers", "transformer", "training", "analog",
          "evaluation", "validation", "cli"]
ANYWHERE = ["python", "bench"]  # may include every library folder
SHARE_LIMIT = 0.20


def sources(folder):
    return sorted(p for p in folder.rglob("*") if p.suffix in (".cpp", ".hpp") and p.is_file())


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    include = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/', re.M)
    problems = []
    lines = {}
    for rank, folder in enumerate(LAYERS + ANYWHERE):
        allowed = set(LAYERS[: rank + 1]) if folder in LAYERS else set(LAYERS) | {folder}
        lines[folder] = 0
        for path in sources(root / folder):
            text = path.read_text(encoding="utf-8", errors="replace")
            lines[folder] += text.count("\n")
            for target in include.findall(text):
                if target in LAYERS + ANYWHERE and target not in allowed:
                    problems.append(f"{path.relative_to(root)}: includes {target}/, which comes after {folder}/ "
                                    f"in the layering ({' -> '.join(LAYERS)})")
    total = sum(lines.values())
    for folder in LAYERS:
        share = lines[folder] / total if total else 0.0
        if share > SHARE_LIMIT:
            problems.append(f"{folder}/: {lines[folder]} of {total} source lines ({share:.1%}), over the "
                            f"{SHARE_LIMIT:.0%} a folder may hold: split it by concept")
    for p in problems:
        print(p)
    if not problems:
        largest = max(LAYERS, key=lambda f: lines[f])
        print(f"layout: {len(LAYERS)} library folders in order, no upward include; largest {largest}/ "
              f"{lines[largest] / total:.1%} of {total} lines")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
