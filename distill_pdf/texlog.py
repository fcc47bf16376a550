"""Reading a TeX log: errors with their file and line, overfull boxes, missing characters,
warnings. The same for xelatex (unwrapped lines) and tectonic (wrapped at 79 columns).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

TEX_WRAP = 79  # tectonic's logs wrap lines at max_print_line = 79 characters


@dataclass
class LatexIssue:
    tex_line: int | None
    message: str              # one line, e.g. "Undefined control sequence."
    context: str              # the LaTeX source shown on the log's l.NNN line, stripped
    file: str | None = None   # the file tex_line refers to, relative to the build folder
                              # ("main.tex", "chapter.tex", or an absolute path to a .sty)



_FILE_LINE_ERR = re.compile(r"^(?P<file>[^\s:(][^:()]*\.[A-Za-z0-9]+):(?P<line>\d+): (?P<msg>.*)$")
_CONTEXT = re.compile(r"^l\.(?P<line>\d+) ?(?P<ctx>.*)$")
_OVERFULL = re.compile(
    r"^Overfull \\hbox \((?P<pt>-?[\d.]+)pt too wide\) "
    r"(?:in paragraph at lines (?P<a>\d+)--\d+|in alignment at lines (?P<b>\d+)--\d+"
    r"|detected at line (?P<c>\d+)|has occurred while \\output is active)")
_MISSING = re.compile(r"^Missing character: There is no .*")
_WARNING = re.compile(r"^(?P<who>LaTeX(?: Font)?|Package(?: [^\s:]+)?|Class(?: [^\s:]+)?)"
                      r" Warning: (?P<msg>.*)$")
_FOLLOW_UPS = ("Emergency stop.", "==> Fatal error occurred, no output PDF file produced!",
               "Job aborted, no legal \\end found")


def _unwrap(lines: list[str], width: int) -> list[str]:
    """Undo TeX's hard wrapping of log lines at ``width`` characters."""
    out: list[str] = []
    buf: str | None = None
    for line in lines:
        buf = line if buf is None else buf + line
        if len(line) != width:
            out.append(buf)
            buf = None
    if buf is not None:
        out.append(buf)
    return out


def log_lines(log: str, wrap_width: int | None) -> list[str]:
    lines = log.splitlines()
    if wrap_width is None:  # auto: TeX's default max_print_line is 79
        wrap_width = TEX_WRAP if all(len(x) <= TEX_WRAP for x in lines[1:]) else 0
    return _unwrap(lines, wrap_width) if wrap_width else lines


def parse_errors(lines: list[str]) -> list[LatexIssue]:
    starts: list[tuple[int, str | None, int | None, str]] = []
    for i, line in enumerate(lines):
        if line.startswith("! "):
            starts.append((i, None, None, line[2:].strip()))
            continue
        m = _FILE_LINE_ERR.match(line)
        if m:
            starts.append((i, m["file"], int(m["line"]), m["msg"].strip()))
    issues = []
    for k, (i, file, line_no, msg) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        ctx_line, ctx = None, ""
        for j in range(i + 1, min(end, i + 40)):
            m = _CONTEXT.match(lines[j])
            if m:
                ctx_line, ctx = int(m["line"]), m["ctx"].strip()
                break
        issues.append(LatexIssue(line_no if line_no is not None else ctx_line, msg, ctx, file))
    real = [x for x in issues if not x.message.startswith(_FOLLOW_UPS)]
    return real or issues


def parse_overfull(lines: list[str]) -> list[tuple[int | None, float]]:
    out = []
    for line in lines:
        m = _OVERFULL.match(line)
        if m:
            n = m["a"] or m["b"] or m["c"]
            out.append((int(n) if n else None, float(m["pt"])))
    return out


def parse_missing_chars(lines: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for line in lines:
        if _MISSING.match(line):
            seen.setdefault(line.strip(), None)
    return list(seen)


def parse_warnings(lines: list[str]) -> list[str]:
    """One line per ``LaTeX/Package/Class ... Warning:``, continuation lines joined."""
    out = []
    i = 0
    while i < len(lines):
        m = _WARNING.match(lines[i])
        i += 1
        if not m:
            continue
        who = m["who"]
        # packages continue with "(name)   ...", fonts with "(Font)   ...", the kernel
        # with an indented line
        prefix = "(Font)" if who == "LaTeX Font" else (
            f"({who.split(' ', 1)[1]})" if " " in who else None)
        parts = [m["msg"].strip()]
        while i < len(lines) and lines[i].strip():
            nxt = lines[i]
            if prefix and nxt.startswith(prefix):
                parts.append(nxt[len(prefix):].strip())
            elif prefix is None and nxt.startswith("    "):
                parts.append(nxt.strip())
            else:
                break
            i += 1
        out.append(f"{who} Warning: " + " ".join(p for p in parts if p))
    return out


@dataclass
class ParsedLog:
    errors: list[LatexIssue]
    overfull: list[tuple[int | None, float]]
    missing_chars: list[str]
    warnings: list[str]


def parse_log(log: str, wrap_width: int | None = None) -> ParsedLog:
    """Errors, overfull boxes, missing characters and warnings of a xelatex or tectonic log.
    ``wrap_width``: the log's max_print_line (tectonic: 79), 0 if unwrapped, None to guess."""
    lines = log_lines(log, wrap_width)
    return ParsedLog(parse_errors(lines), parse_overfull(lines), parse_missing_chars(lines),
                     parse_warnings(lines))
