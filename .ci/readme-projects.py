#!/usr/bin/env python3
"""Builds the README's "Use it in your project" cases as a new user would: for each case, a
throw-away Cargo project (under target/readme-projects/) whose manifest is the README's
`[dependencies]` block verbatim, and whose src/main.rs is the case's snippet verbatim. The
crate itself comes from this checkout through `[patch.crates-io]`, as it would from
crates.io. A snippet fenced as plain `rust` is also run; `rust,no_run` ones (they call a
provider's API or serve forever) are built only."""

import os
import re
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
section = re.search(r"^## Use it in your project\n(.*?)(?=^## )", readme, re.S | re.M)
if not section:
    sys.exit("error: README.md has no '## Use it in your project' section")
cases = re.split(r"^### ", section.group(1), flags=re.M)[1:]
if not cases:
    sys.exit("error: the README's 'Use it in your project' section has no cases")
work = os.path.join(root, "target", "readme-projects")
env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(work, "target"))
for n, case in enumerate(cases, 1):
    title = case.splitlines()[0].strip()
    toml = re.search(r"```toml\n(.*?)```", case, re.S)
    rust = re.search(r"```(rust(?:,no_run)?)\n(.*?)```", case, re.S)
    if not toml or not rust:
        sys.exit(f"error: the case {title!r} needs a ```toml block and a ```rust block")
    project = os.path.join(work, f"case{n}")
    os.makedirs(os.path.join(project, "src"), exist_ok=True)
    with open(os.path.join(project, "Cargo.toml"), "w", encoding="utf-8") as f:
        f.write(f'[package]\nname = "readme-case{n}"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n')
        f.write(toml.group(1))
        f.write(f'\n[patch.crates-io]\nwhatsapp-connector = {{ path = "{root}" }}\n\n[workspace]\n')
    with open(os.path.join(project, "src", "main.rs"), "w", encoding="utf-8") as f:
        f.write(rust.group(2))
    run = rust.group(1) == "rust"
    print(f"==> {title}: cargo {'run' if run else 'build'} in {project}", flush=True)
    cmd = ["cargo", "run" if run else "build", "--quiet", "--manifest-path", os.path.join(project, "Cargo.toml")]
    if subprocess.run(cmd, env=env).returncode != 0:
        sys.exit(f"error: the README case {title!r} does not {'run' if run else 'build'} as shown")
print(f"{len(cases)} README cases built as new projects")
