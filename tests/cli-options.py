#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The option lists of every v2kvm command must agree everywhere a user
reads them: the command's own --help, its line in `v2kvm --help`, the
SYNOPSIS of the man page (docs/v2kvm.pod) and the README's command table,
and every long option the command's parser accepts (its `struct option`
table in convert/cmd-*.c) must be in its --help.

usage: cli-options.py V2KVM TOP_SRCDIR
Prints one line per disagreement and exits 1, or prints a summary and
exits 0.
"""
import os
import re
import subprocess
import sys

# Options of the program as a whole (main.c), left out of the comparison.
GLOBAL = {"-v", "-q", "--verbose", "--quiet", "--help", "-h",
          "--version", "-V"}
# An option: a dash or two and a name, not inside a word (read-only,
# virtio-blk) nor a path.
OPT = re.compile(r"(?<![\w/.-])(--?[a-zA-Z][a-zA-Z0-9-]*)")


def options(text, aliases=None):
    """The options named in text, each short alias (-c) replaced by the
    long option its command's --help pairs it with (-c, --compress)."""
    opts = {o.rstrip("-") for o in OPT.findall(text)} - GLOBAL
    return {(aliases or {}).get(o, o) for o in opts}


def alias_map(help_text):
    """{'-c': '--compress'} from --help lines '  -c, --compress ...'."""
    return dict(re.findall(r"^\s+(-\w+), (--[\w-]+)", help_text, re.M))


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def top_level(v2kvm):
    """{command: synopsis text} from `v2kvm --help`'s Commands section."""
    rc, out, err = run([v2kvm, "--help"])
    if rc != 0:
        sys.exit("v2kvm --help exited %d: %s" % (rc, err))
    cmds, cur = {}, None
    section = out.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
    for line in section.splitlines():
        m = re.match(r"  v2kvm (.*)", line)
        if m:
            words = m.group(1).split()
            name = command_name(words)
            cur = name
            cmds[cur] = m.group(1)[len(name):]
        elif cur:
            cmds[cur] += " " + line
    return cmds


def command_name(words):
    """'disk info', 'batch report': a second word in lower case is part
    of the name; 'batch PLAN', 'check-host [...]' are one word."""
    if len(words) > 1 and re.fullmatch(r"[a-z][a-z-]*", words[1]):
        return " ".join(words[:2])
    return words[0]


def pod_synopsis(srcdir):
    """{command: text} from the SYNOPSIS verbatim block of v2kvm.pod."""
    pod = open(os.path.join(srcdir, "docs", "v2kvm.pod")).read()
    block = pod.split("=head1 SYNOPSIS", 1)[1].split("\n=head1", 1)[0]
    cmds, cur = {}, None
    for line in block.splitlines():
        m = re.match(r" v2kvm (?!\[)(.*)", line)
        if m:
            words = m.group(1).split()
            cur = command_name(words)
            cmds[cur] = m.group(1)[len(cur):]
        elif cur and line.startswith("  "):
            cmds[cur] += " " + line
        else:
            cur = None
    return cmds


def readme_table(srcdir):
    """{command: first cell} from the README's table of commands."""
    cmds = {}
    for line in open(os.path.join(srcdir, "README.md")):
        m = re.match(r"\| `v2kvm (.*?)` \|", line)
        if not m:
            continue
        words = m.group(1).replace("\\|", "|").split()
        name = command_name(words)
        cmds[name] = m.group(1).replace("\\|", "|")[len(name):]
    return cmds


def parser_options(srcdir, cmd):
    """Long option names in the `struct option` tables of the function
    cmd_NAME (convert/cmd-*.c), else of its whole file."""
    func = "cmd_" + re.sub(r"[ -]", "_", cmd)
    for base in sorted(os.listdir(os.path.join(srcdir, "convert"))):
        if not (base.startswith("cmd-") and base.endswith(".c")):
            continue
        text = open(os.path.join(srcdir, "convert", base)).read()
        m = re.search(r"^%s \(int argc.*?^\}$" % func, text, re.M | re.S)
        if m:
            break
    else:
        return None
    tables = re.findall(r"struct option \w+\[\] = \{(.*?)\n\s*\};",
                        m.group(0), re.S) or \
        re.findall(r"struct option \w+\[\] = \{(.*?)\n\s*\};", text, re.S)
    names = set()
    for table in tables:
        names |= set(re.findall(r'\{\s*"([^"]+)"', table))
    return names - {"help", "verbose", "quiet"}


def main():
    v2kvm, srcdir = sys.argv[1], sys.argv[2]
    bad = []
    top = top_level(v2kvm)
    pod = pod_synopsis(srcdir)
    readme = readme_table(srcdir)
    checked = 0
    for cmd, synopsis in top.items():
        rc, out, err = run([v2kvm] + cmd.split() + ["--help"])
        if rc != 0 or not out:
            bad.append("'v2kvm %s --help' exited %d with no help on stdout"
                       " (stderr: %s)" % (cmd, rc, err.strip()))
            continue
        al = alias_map(out)
        own = options(out, al)
        lists = {"v2kvm --help": options(synopsis, al)}
        lists["docs/v2kvm.pod SYNOPSIS"] = \
            options(pod[cmd], al) if cmd in pod else None
        lists["README.md table"] = \
            options(readme[cmd], al) if cmd in readme else None
        for where, opts in lists.items():
            if opts is None:
                bad.append("%s: no entry for '%s'" % (where, cmd))
                continue
            for o in sorted(own - opts):
                bad.append("%s: '%s' lacks %s (in 'v2kvm %s --help')"
                           % (where, cmd, o, cmd))
            for o in sorted(opts - own):
                bad.append("%s: '%s' lists %s, not in 'v2kvm %s --help'"
                           % (where, cmd, o, cmd))
        names = parser_options(srcdir, cmd)
        if names is None:
            bad.append("no convert/cmd-*.c for '%s'" % cmd)
            names = set()
        if cmd == "source show":
            names -= {"network", "bridge", "domain-type", "graphics"}
        if cmd == "source xml":
            names -= {"json", "allow-external-refs"}
        raw = options(out)
        for n in sorted(names):
            if "--" + n not in raw and "-" + n not in raw:
                bad.append("'v2kvm %s --help' lacks --%s (accepted by "
                           "its parser)" % (cmd, n))
        # Every option the help lists is one the parser knows.
        for o in sorted(raw):
            rc, out2, err = run([v2kvm] + cmd.split() + [o])
            if re.search(r"unrecognized option|invalid option", err):
                bad.append("'v2kvm %s %s': the parser does not know it"
                           % (cmd, o))
        checked += len(own)
    for where, entries in (("docs/v2kvm.pod SYNOPSIS", pod),
                           ("README.md table", readme)):
        for cmd in sorted(set(entries) - set(top)):
            bad.append("%s: '%s' is not a command of 'v2kvm --help'"
                       % (where, cmd))
    for line in bad:
        print(line)
    if bad:
        return 1
    print("%d commands, %d options agree in --help, v2kvm.pod, README.md"
          % (len(top), checked))
    return 0


if __name__ == "__main__":
    sys.exit(main())
