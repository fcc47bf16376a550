"""The fontspec / unicode-math code that loads the catalogue's fonts by path (XeTeX engines)."""

from __future__ import annotations

from pathlib import Path

from .catalogue import FALLBACKS, FONT_DIR, MATH_FILE, MATH_FOLDER, ROLES, Fallback, Role

_BAD_PATH_CHARS = set("%#{}\\~^$&")


def _tex_dir(font_dir: Path | str | None, folder: str) -> str:
    base = FONT_DIR if font_dir is None else font_dir
    s = base.as_posix() if isinstance(base, Path) else str(base).replace("\\", "/")
    if s and not s.endswith("/"):
        s += "/"
    bad = _BAD_PATH_CHARS.intersection(s)
    if bad:
        raise ValueError(f"font directory {s!r} contains characters TeX cannot take in "
                         f"Path=: {''.join(sorted(bad))}")
    return f"{s}{folder}/"


def _role_font(cmd: str, role: Role, font_dir) -> str:
    opts = [
        f"Path={_tex_dir(font_dir, role.folder)}",
        # (no UprightFont=: fontspec takes the upright file from the name
        # argument; repeating it with its extension makes it look for .otf.otf)
        f"ItalicFont={role.italic}",
        f"BoldFont={role.bold}",
        f"BoldItalicFont={role.bold_italic}",
    ]
    if role.options:
        opts.append(role.options)
    return f"\\{cmd}{{{role.regular}}}[\n  " + ",\n  ".join(opts) + "]\n"


def _fallback_font(fb: Fallback, font_dir) -> str:
    name = f"dpfont{fb.key}" + ("face" if fb.key == "CJK" else "")
    opts = [f"Path={_tex_dir(font_dir, fb.folder)}"]
    if fb.index is not None:
        opts.append(f"FontIndex={fb.index}")
    if fb.bold:
        opts.append(f"BoldFont={fb.bold}")
    if fb.bold or fb.upright_italic:
        # No italics: use the upright faces for italic text (slanting Hebrew,
        # Arabic, Devanagari or emoji is wrong, and this avoids shape warnings).
        opts.append(f"ItalicFont={fb.regular}")
        if fb.bold:
            opts.append(f"BoldItalicFont={fb.bold}")
    if fb.options:
        opts.append(fb.options)
    return f"\\newfontfamily\\{name}{{{fb.regular}}}[{', '.join(opts)}]\n"


def preamble(font_dir: Path | str | None = None) -> str:
    """fontspec + unicode-math code for the LaTeX preamble (XeTeX engines).

    Loads the serif/sans/mono/math fonts and one ``\\dpfont<Key>`` font
    switch per fallback (use as ``{\\dpfontCJK 中文}``), and defines
    ``\\dpRTL{...}`` which sets its argument right-to-left (TeX--XeT, no
    package needed): ``\\dpRTL{{\\dpfontHebrew שלום עולם}}``.
    ``\\dpfontCJK`` also lets lines break between ideographs (XeTeX's
    ``\\XeTeXlinebreaklocale``), locally to the group it is used in.

    ``font_dir`` overrides :data:`FONT_DIR` (e.g. ``"fonts/"`` for a
    self-contained bundle that ships the folder next to the .tex file).
    Loads amsmath first, as unicode-math requires.
    """
    out = [
        "% --- distill_pdf.fonts: fonts loaded by file from the repo's fonts/ ---\n",
        "\\usepackage{amsmath}\n",
        "\\usepackage{fontspec}\n",
        "\\usepackage{unicode-math}\n",
        _role_font("setmainfont", ROLES["serif"], font_dir),
        _role_font("setsansfont", ROLES["sans"], font_dir),
        _role_font("setmonofont", ROLES["mono"], font_dir),
        f"\\setmathfont{{{MATH_FILE}}}[Path={_tex_dir(font_dir, MATH_FOLDER)}]\n",
        # STIX Two Math: default script alphabet is chancery (\mathcal);
        # stylistic set 1 gives the roundhand shapes wanted for \mathscr.
        f"\\setmathfont{{{MATH_FILE}}}[Path={_tex_dir(font_dir, MATH_FOLDER)}, "
        "range={\\mathscr,\\mathbfscr}, StylisticSet=1]\n",
    ]
    out += [_fallback_font(fb, font_dir) for fb in FALLBACKS]
    out += [
        # CJK has no spaces: let XeTeX break lines between ideographs, but
        # only inside CJK runs (local to the group the switch is used in).  The glue
        # between ideographs stretches little: a gap of 0.1em reads as a word space
        # to text extraction (pdftotext: "日 本 語" in a loose line).
        "\\newcommand\\dpfontCJK{\\dpfontCJKface"
        "\\XeTeXlinebreaklocale \"zh\"\\XeTeXlinebreakskip=0pt plus 0.02em\\relax}\n",
        "\\TeXXeTstate=1\n",
        # the group keeps a font switch given in the argument inside the span
        "\\newcommand\\dpRTL[1]{\\leavevmode\\beginR{#1}\\endR}\n",
        # in PDF bookmarks (hyperref), keep the text and drop the switches
        "\\AtBeginDocument{\\ifdefined\\pdfstringdefDisableCommands"
        "\\pdfstringdefDisableCommands{"
        "\\expandafter\\let\\expandafter\\dpRTL\\csname @firstofone\\endcsname"
        + "".join(f"\\def\\dpfont{fb.key}{{}}" for fb in FALLBACKS)
        + "}\\fi}\n",
        "% --- end distill_pdf.fonts ---\n",
    ]
    return "".join(out)
